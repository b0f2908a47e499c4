"""Image files as `bench score images` reads them: every Pillow mode at its own scale or
refused, folders read one open file at a time, and every unreadable file named."""

from __future__ import annotations

import colorsys
import io
import os
import re
import resource
import warnings
import zipfile

import numpy as np
import pytest
from PIL import Image

from benchbench.data.folders import ImageLoadError, load_images
from benchbench.data.pixels import PixelModeError, read_pixels

SIZE = (7, 5)  # width × height, not square, so a transposed read shows
rng = np.random.default_rng(0)


def bytes_image(mode: str, array: np.ndarray) -> Image.Image:
    """An image of ``mode`` holding ``array`` (H × W or H × W × bands) as its raw bytes."""
    return Image.frombytes(mode, SIZE, np.ascontiguousarray(array).tobytes())


def random_u8(*bands: int) -> np.ndarray:
    return rng.integers(0, 256, (SIZE[1], SIZE[0], *bands), dtype=np.uint8)


def unit(image: Image.Image) -> np.ndarray:
    return read_pixels(image).unit()


# -- every mode against a NumPy reference of its [0, 1] values ------------------------


def test_bilevel_is_black_and_white():
    bits = rng.random((SIZE[1], SIZE[0])) > 0.5
    image = Image.fromarray(bits)
    assert image.mode == "1"
    np.testing.assert_array_equal(unit(image), bits[..., None].astype(np.float32))


def test_grey_is_read_over_255():
    grey = random_u8()
    np.testing.assert_array_equal(unit(Image.fromarray(grey)), grey[..., None] / np.float32(255))


@pytest.mark.parametrize("mode", ["I;16", "I;16L", "I;16B", "I;16N"])
def test_sixteen_bit_grey_is_read_over_65535_not_clipped(mode):
    values = rng.integers(0, 65536, (SIZE[1], SIZE[0])).astype(np.uint16)
    values[0, 0], values[0, 1] = 0, 65535
    order = {"I;16B": ">u2", "I;16N": "=u2"}.get(mode, "<u2")
    image = bytes_image(mode, values.astype(order))
    assert image.mode == mode
    got = unit(image)
    assert got.shape == (SIZE[1], SIZE[0], 1)
    np.testing.assert_allclose(got[..., 0], values / 65535, atol=1e-7)
    assert got.mean() < 0.75  # uniform 16-bit values; clipping to 255 made almost all white


def test_32_bit_integers_are_read_as_16_bit_or_refused():
    values = rng.integers(0, 65536, (SIZE[1], SIZE[0])).astype(np.int32)
    image = Image.fromarray(values)
    assert image.mode == "I"
    np.testing.assert_allclose(unit(image)[..., 0], values / 65535, atol=1e-7)
    values[2, 3] = 70_000
    with pytest.raises(PixelModeError, match=r"pixels in \[.*70000\].*16-bit"):
        read_pixels(Image.fromarray(values))
    values[2, 3] = -1
    with pytest.raises(PixelModeError, match="pixels in"):
        read_pixels(Image.fromarray(values))


def test_float_pixels_are_taken_as_unit_range_or_refused():
    values = rng.random((SIZE[1], SIZE[0])).astype(np.float32)
    image = Image.fromarray(values)
    assert image.mode == "F"
    np.testing.assert_array_equal(unit(image)[..., 0], values)
    values[0, 0] = 255
    with pytest.raises(PixelModeError, match=r"pixels in \[.*, 255\]; float pixels are read as"):
        read_pixels(Image.fromarray(values))
    values[1, 1] = np.nan
    with pytest.raises(PixelModeError, match="NaN"):
        read_pixels(Image.fromarray(values))


def test_grey_with_alpha_drops_the_alpha():
    grey_alpha = random_u8(2)
    got = unit(bytes_image("LA", grey_alpha))
    np.testing.assert_array_equal(got, grey_alpha[..., :1] / np.float32(255))


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "RGBX"])
def test_colour_keeps_its_channels_and_drops_alpha(mode):
    values = random_u8(len(mode))
    np.testing.assert_array_equal(
        unit(bytes_image(mode, values)), values[..., :3] / np.float32(255)
    )


def test_premultiplied_colour_is_unpremultiplied():
    alpha = rng.integers(1, 256, (SIZE[1], SIZE[0], 1))
    colour = (rng.random((SIZE[1], SIZE[0], 3)) * alpha).astype(np.uint8)
    image = bytes_image("RGBa", np.concatenate([colour, alpha], axis=2).astype(np.uint8))
    np.testing.assert_allclose(unit(image), colour / alpha, atol=1 / 255)


@pytest.mark.parametrize("transparency", [None, 0])
def test_palette_reads_its_colours_with_or_without_transparency(tmp_path, transparency):
    palette = random_u8(3).reshape(-1, 3)[:16]
    index = rng.integers(0, 16, (SIZE[1], SIZE[0]), dtype=np.uint8)
    image = bytes_image("P", index)
    image.putpalette(palette.tobytes())
    options = {} if transparency is None else {"transparency": transparency}
    image.save(tmp_path / "palette.png", **options)
    with (
        warnings.catch_warnings(record=True) as caught,
        Image.open(tmp_path / "palette.png") as png,
    ):
        warnings.simplefilter("always")
        assert ("transparency" in png.info) == (transparency is not None)
        got = unit(png)
    assert caught == []  # converting a palette with transparency straight to RGB warns
    np.testing.assert_array_equal(got, palette[index] / np.float32(255))


def test_palette_with_alpha_reads_its_colours():
    palette = random_u8(3).reshape(-1, 3)[:16]
    index = rng.integers(0, 16, (SIZE[1], SIZE[0]), dtype=np.uint8)
    alpha = random_u8()
    image = bytes_image("PA", np.stack([index, alpha], axis=2))
    image.putpalette(palette.tobytes())
    np.testing.assert_array_equal(unit(image), palette[index] / np.float32(255))


def test_cmyk_is_inked_on_white():
    cmyk = random_u8(4)
    c, m, y, k = (cmyk[..., i] / 255 for i in range(4))
    expected = np.stack([(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)], axis=2)
    np.testing.assert_allclose(unit(bytes_image("CMYK", cmyk)), expected, atol=1 / 255)


def test_ycbcr_is_read_as_jpeg_full_range():
    ycc = random_u8(3)
    y, cb, cr = (ycc[..., i].astype(np.float64) for i in range(3))
    rgb = np.stack(
        [
            y + 1.402 * (cr - 128),
            y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128),
            y + 1.772 * (cb - 128),
        ],
        axis=2,
    )
    expected = np.clip(rgb, 0, 255) / 255
    np.testing.assert_allclose(unit(bytes_image("YCbCr", ycc)), expected, atol=1.5 / 255)


def test_hsv_is_converted_to_rgb():
    hsv = random_u8(3)
    expected = np.array(
        [[colorsys.hsv_to_rgb(*(pixel / 255)) for pixel in row] for row in hsv.astype(np.float64)]
    )
    np.testing.assert_allclose(unit(bytes_image("HSV", hsv)), expected, atol=2 / 255)


def test_lab_is_converted_colorimetrically():
    """CIELAB (D50, signed a* and b*) -> Bradford to D65 -> sRGB, on colours inside the
    sRGB gamut; a colour-managed conversion differs in the last bits, misreading the
    bytes as RGB by about half the range."""
    size = (64, 64)
    image = Image.frombytes("LAB", size, rng.integers(0, 256, (*size, 3), np.uint8).tobytes())
    lab = np.asarray(image)
    lightness = lab[..., 0] / 255 * 100
    a, b = (lab[..., i].view(np.int8).astype(np.float64) for i in (1, 2))
    fy = (lightness + 16) / 116
    f = np.stack([fy + a / 500, fy, fy - b / 200], axis=-1)
    xyz_d50 = np.where(f > 6 / 29, f**3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * [0.96422, 1, 0.82521]
    bradford = np.array(
        [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
    )
    gain = (bradford @ [0.95047, 1, 1.08883]) / (bradford @ [0.96422, 1, 0.82521])
    to_d65 = np.linalg.inv(bradford) @ np.diag(gain) @ bradford
    to_srgb = np.array(
        [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]
    )
    linear = xyz_d50 @ (to_srgb @ to_d65).T
    inside = ((linear >= 0) & (linear <= 1)).all(axis=-1)
    linear = linear.clip(0, 1)
    expected = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    error = np.abs(unit(image) - expected)[inside]
    assert inside.sum() > 300
    assert error.mean() < 2 / 255 and np.percentile(error, 99) < 10 / 255


def test_premultiplied_grey_is_refused_with_its_mode():
    with pytest.raises(PixelModeError, match="'La'"):
        read_pixels(bytes_image("La", random_u8(2)))


# -- folders ------------------------------------------------------------------------------


def save_grey(folder, count, size=SIZE, start=0):
    folder.mkdir(exist_ok=True)
    images = rng.integers(0, 256, (count, size[1], size[0]), dtype=np.uint8)
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{start + i:04d}.png")
    return images


def test_sixteen_bit_png_folder_loads_as_its_8_bit_twin(tmp_path):
    images = save_grey(tmp_path / "eight", 4)
    (tmp_path / "sixteen").mkdir()
    for i, image in enumerate(images):
        wide = Image.fromarray(image.astype(np.uint16) * 257)  # 255 * 257 = 65535
        wide.save(tmp_path / "sixteen" / f"{i:04d}.png")
        with Image.open(tmp_path / "sixteen" / f"{i:04d}.png") as reopened:
            assert reopened.mode == "I;16"
    eight, sixteen = load_images(tmp_path / "eight"), load_images(tmp_path / "sixteen")
    assert eight.images.equal(sixteen.images)


def test_mixed_grey_and_colour_files_load_as_colour(tmp_path):
    folder = tmp_path / "mixed"
    grey = save_grey(folder, 1)[0]
    colour = random_u8(3)
    Image.fromarray(colour).save(folder / "colour.png")
    images = load_images(folder).images.numpy()
    assert images.shape == (2, 3, SIZE[1], SIZE[0])
    np.testing.assert_array_equal(images[0], np.broadcast_to(grey / np.float32(255), (3, 5, 7)))
    np.testing.assert_array_equal(images[1], colour.transpose(2, 0, 1) / np.float32(255))


@pytest.fixture
def few_open_files():
    """A soft open-files limit a few descriptors above those this process holds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest_free = os.open(os.devnull, os.O_RDONLY)
    os.close(lowest_free)
    limit = lowest_free + 16
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_folder_of_more_files_than_may_be_open_loads(tmp_path, few_open_files):
    count = few_open_files + 40
    save_grey(tmp_path / "many", count)
    assert len(load_images(tmp_path / "many").images) == count


def test_other_entries_are_skipped_and_named(tmp_path):
    folder = tmp_path / "set"
    save_grey(folder, 3)
    (folder / "README.txt").write_text("not an image")
    (folder / "nested").mkdir()
    told: list[str] = []
    assert len(load_images(folder, told.append).images) == 3
    assert told == [f"{folder}: skipped what is not a .png/.jpg/.jpeg file (2): README.txt, nested"]


def encoded(image: Image.Image, format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return encoded(Image.fromarray(random_u8()), "PNG")


def jpeg_bytes() -> bytes:
    return encoded(Image.fromarray(random_u8(3)), "JPEG")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: png_bytes()[:-40], r"cannot read the image: image file is truncated"),
        (lambda: jpeg_bytes()[:-200], r"cannot read the image: truncated file read"),
        (lambda: b"", r"empty file \(0 bytes\)"),
        (lambda: b"hello, not an image" * 4, r"not an image Pillow can decode \(76 bytes"),
    ],
    ids=["truncated-png", "truncated-jpeg", "zero-bytes", "undecodable"],
)
def test_unreadable_files_are_errors_naming_them(tmp_path, content, message):
    folder = tmp_path / "set"
    save_grey(folder, 3)
    bad = folder / "0001.png"
    bad.write_bytes(content())
    with pytest.raises(ImageLoadError) as caught:
        load_images(folder)
    assert re.match(re.escape(f"{bad}: ") + message, str(caught.value), re.IGNORECASE)


@pytest.mark.parametrize(("limit", "kind"), [(1_000, "Warning"), (600, "Error")])
def test_decompression_bombs_are_refused_warning_or_error(tmp_path, monkeypatch, limit, kind):
    """40 × 40 = 1,600 pixels: above a limit of 1,000 Pillow only warns, above twice 600
    it raises; both are refused."""
    folder = tmp_path / "set"
    save_grey(folder, 2, size=(40, 40))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(
        ImageLoadError, match=r"0000\.png: refused as a possible decompression bomb"
    ):
        load_images(folder)


def test_folder_problems_are_errors_naming_the_path(tmp_path):
    save_grey(tmp_path / "a", 1)
    save_grey(tmp_path / "a", 1, size=(9, 9), start=1)
    with pytest.raises(ImageLoadError, match=r"0001\.png: 9×9 pixels, but 0000\.png is 7×5"):
        load_images(tmp_path / "a")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImageLoadError, match=r"empty: no \.png/\.jpg/\.jpeg files"):
        load_images(tmp_path / "empty")
    (tmp_path / "file.png").write_bytes(png_bytes())
    with pytest.raises(ImageLoadError, match=r"file\.png: a file, but neither an image folder"):
        load_images(tmp_path / "file.png")
    with pytest.raises(ImageLoadError, match="missing: No such file or directory"):
        load_images(tmp_path / "missing")


def test_links_and_folders_named_as_images_are_errors_naming_them(tmp_path):
    folder = tmp_path / "set"
    save_grey(folder, 1)
    (folder / "a.png").symlink_to("b.png")
    (folder / "b.png").symlink_to("a.png")
    with pytest.raises(ImageLoadError, match=r"a\.png: cannot read the image: Too many levels"):
        load_images(folder)
    for name in ("a.png", "b.png"):
        (folder / name).unlink()
    (folder / "gone.png").symlink_to("nowhere.png")
    with pytest.raises(
        ImageLoadError, match=r"gone\.png: cannot read the image: a broken symbolic"
    ):
        load_images(folder)
    (folder / "gone.png").unlink()
    (folder / "sub.png").mkdir()
    with pytest.raises(ImageLoadError, match=r"sub\.png: a folder, not an image file"):
        load_images(folder)
    (folder / "sub.png").rmdir()
    os.mkfifo(folder / "pipe.png")  # opening it would wait for a writer forever
    with pytest.raises(ImageLoadError, match=r"pipe\.png: not a regular file"):
        load_images(folder)
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(ImageLoadError, match="loop: Too many levels of symbolic links"):
        load_images(tmp_path / "loop")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_permissions_are_errors_naming_the_file(tmp_path):
    folder = tmp_path / "set"
    save_grey(folder, 2)
    (folder / "0001.png").chmod(0)
    with pytest.raises(
        ImageLoadError, match=r"0001\.png: cannot read the image: Permission denied"
    ):
        load_images(folder)
    (folder / "0001.png").chmod(0o644)
    folder.chmod(0)
    try:
        with pytest.raises(ImageLoadError, match="cannot list the folder: Permission denied"):
            load_images(folder)
    finally:
        folder.chmod(0o755)


# -- .npz files ---------------------------------------------------------------------------


def test_npz_files_that_are_not_archives_of_images_are_errors(tmp_path):
    cases = {
        "empty.npz": b"",
        "text.npz": b"not an archive",
        "pickle.npz": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ImageLoadError, match=rf"{name}: not a \.npz archive"):
            load_images(tmp_path / name)
    with open(tmp_path / "array.npz", "wb") as stream:
        np.save(stream, np.zeros((2, 1, 4, 4), np.uint8))  # a .npy under a .npz name
    with pytest.raises(ImageLoadError, match=r"array\.npz: not a \.npz archive"):
        load_images(tmp_path / "array.npz")
    np.savez(tmp_path / "whole.npz", images=np.zeros((2, 1, 4, 4), np.uint8))
    cut = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(cut[: len(cut) // 2])
    with pytest.raises(ImageLoadError, match=r"cut\.npz: cannot read the \.npz archive"):
        load_images(tmp_path / "cut.npz")
    np.savez(tmp_path / "none.npz", images=np.zeros((0, 1, 4, 4), np.uint8))
    with pytest.raises(ImageLoadError, match=r"none\.npz: 'images' holds no pixels"):
        load_images(tmp_path / "none.npz")
    assert zipfile.is_zipfile(tmp_path / "none.npz")
