"""Reading and writing videos: GIF, folders of PNG frames, .npy/.npz; hostile inputs are
errors naming the file."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import torch
from PIL import Image

from benchbench.data import video_files
from benchbench.data.video_files import VideoLoadError, read_videos, write_gif


def _video(frames: int = 6, channels: int = 1, size: tuple[int, int] = (10, 12), seed: int = 0):
    """A video whose values are multiples of 1/255, so 8-bit files hold it exactly."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (frames, channels, *size), generator=generator).float() / 255


def _error(path, message: str, frame_rate: int = 8) -> None:
    with pytest.raises(VideoLoadError, match=message):
        read_videos(path, frame_rate)


def _save_png_frames(folder, video: torch.Tensor, names=None) -> None:
    folder.mkdir(parents=True)
    for index, frame in enumerate(video):
        pixels = (frame[0] * 255).round().byte().numpy()
        name = names[index] if names else f"{index:03d}.png"
        Image.fromarray(pixels, "L").save(folder / name)


def test_gif_png_frames_npy_and_npz_read_back_the_same_videos(tmp_path):
    videos = torch.stack([_video(seed=s) for s in range(4)])
    write_gif(tmp_path / "a.gif", videos[0], 8)
    _save_png_frames(tmp_path / "b", videos[1])
    np.save(tmp_path / "c.npy", (videos[2] * 255).round().byte().numpy())  # one, uint8
    np.savez(tmp_path / "d.npz", videos=videos[3:].numpy())  # a batch, float
    loaded = read_videos(tmp_path, 8)
    assert loaded.videos.shape == (4, 6, 1, 10, 12) and loaded.frame_rate == 8
    assert torch.allclose(loaded.videos, videos, atol=1e-6)
    assert loaded.identity.startswith(f"{tmp_path.name}/files@")


def test_one_file_may_be_the_whole_set_and_channels_may_come_last(tmp_path):
    batch = torch.stack([_video(channels=3, seed=s) for s in range(2)])
    np.save(tmp_path / "v.npy", batch.permute(0, 1, 3, 4, 2).numpy())
    assert torch.equal(read_videos(tmp_path / "v.npy", 8).videos, batch)


def test_frames_sort_naturally_and_other_entries_are_skipped_and_named(tmp_path):
    video = _video(frames=11)
    _save_png_frames(tmp_path / "clip", video, names=[f"frame{i}.png" for i in range(11)])
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "clip" / "thumbs.db").write_text("hello")
    told: list[str] = []
    loaded = read_videos(tmp_path, 8, warn=told.append)
    assert torch.allclose(loaded.videos[0], video, atol=1e-6)  # frame2 before frame10
    kinds = "a .gif/.npy/.npz file or a folder of .png frames"
    assert told == [
        f"{tmp_path}: skipped what is not {kinds} (1): notes.txt",
        f"{tmp_path / 'clip'}: skipped what is not a .png frame (1): thumbs.db",
    ]


def test_a_frozen_gif_keeps_its_frames_though_pillow_merges_them(tmp_path):
    """Pillow writes identical consecutive frames as one longer frame; reading counts the
    frame periods it lasts, so a frozen video keeps its 16 frames."""
    frozen = _video(frames=1).expand(16, -1, -1, -1)
    write_gif(tmp_path / "frozen.gif", frozen, 8)
    with Image.open(tmp_path / "frozen.gif") as gif:
        assert gif.n_frames == 1
    assert torch.allclose(read_videos(tmp_path, 8).videos[0], frozen, atol=1e-6)


def test_a_colour_gif_stays_colour_and_a_grey_one_reads_as_grey(tmp_path):
    colour = torch.zeros(3, 3, 4, 4)
    colour[:, 0] = 1.0  # red: one palette colour, so Pillow's quantiser keeps it exactly
    write_gif(tmp_path / "red.gif", colour, 8)
    assert torch.equal(read_videos(tmp_path / "red.gif", 8).videos[0], colour)
    write_gif(tmp_path / "grey.gif", _video(frames=3), 8)
    assert read_videos(tmp_path / "grey.gif", 8).videos.shape[2] == 1


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (4, "frame 0 lasts 120 ms, not a whole number of 250 ms frames at 4 fps; .*about 8.33 fps"),
        (5, "frame 0 lasts 120 ms, not a whole number of 200 ms frames at 5 fps"),
        (
            16,
            r"every frame lasts a multiple of 2 frame periods at 16 fps \(125 ms\); .*about 8 fps",
        ),
    ],
)
def test_a_gif_of_another_frame_rate_is_a_clear_error(tmp_path, rate, message):
    """Written at 8 fps (Pillow stores 120 ms): slower rates do not divide it, and at 16
    fps every frame would last two periods, which no merging of frames explains."""
    write_gif(tmp_path / "a.gif", _video(), 8)
    _error(tmp_path, re.escape(str(tmp_path / "a.gif")) + ": " + message, frame_rate=rate)


@pytest.mark.parametrize("rate", [0, -8, 7.5, True])
def test_a_rate_that_is_no_rate_is_a_clear_error(tmp_path, rate):
    np.save(tmp_path / "v.npy", _video().numpy())
    with pytest.raises(ValueError, match="a frame rate is a positive whole number"):
        read_videos(tmp_path, rate)


def test_mixed_lengths_and_sizes_are_errors_naming_both_files(tmp_path):
    np.save(tmp_path / "a.npy", _video().numpy())
    np.save(tmp_path / "b.npy", _video(frames=5).numpy())
    _error(tmp_path, r"b\.npy: 5 frames, but a\.npy has 6; every video must have the same")
    np.save(tmp_path / "b.npy", _video(size=(12, 10)).numpy())
    _error(tmp_path, r"b\.npy: frames of 10×12 pixels, but a\.npy has 12×10 pixels")


def test_frames_of_different_sizes_in_one_png_folder_are_an_error(tmp_path):
    _save_png_frames(tmp_path / "clip", _video(frames=2))
    Image.new("L", (5, 5)).save(tmp_path / "clip" / "002.png")
    _error(tmp_path, r"002\.png: frames of 5×5 pixels and 12×10 pixels")


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (_video().numpy() * 255, r"float values in \[0, 255\]; float videos must lie in \[0, 1\]"),
        (_video().numpy() * 2 - 1, r"float values in \[-1, 1\]; .* map \[-1, 1\] with"),
        (np.full((6, 1, 4, 4), np.nan, np.float32), "the float values include NaN or infinity"),
        (np.zeros((6, 1, 4, 4), np.int16), "int16 values; videos are uint8 .* or float in"),
        (
            np.zeros((6, 4, 4), np.uint8),
            r"expected a video \[frames, C, H, W\] .* shape \(6, 4, 4\)",
        ),
        (np.zeros((2, 6, 2, 4, 4), np.uint8), r"no channel axis of size 1 or 3 in shape"),
        (np.zeros((0, 6, 1, 4, 4), np.uint8), r"expected .* got shape \(0, 6, 1, 4, 4\)"),
        (
            np.array([{"pickled": 1}], dtype=object),
            r"an array of Python objects \(a pickle\); refused unread",
        ),
    ],
    ids=[
        "0..255-float",
        "minus-one-to-one",
        "nan",
        "int16",
        "no-channels",
        "bad-channels",
        "empty",
        "pickle",
    ],
)
def test_bad_arrays_are_errors_naming_the_file(tmp_path, array, message):
    np.save(tmp_path / "v.npy", array, allow_pickle=True)
    _error(tmp_path, re.escape(str(tmp_path / "v.npy")) + ": " + message)


def test_uint8_arrays_are_scaled_by_255(tmp_path):
    np.save(tmp_path / "v.npy", np.full((6, 1, 2, 2), 255, np.uint8))
    assert float(read_videos(tmp_path, 8).videos.min()) == 1.0


def _npy_bytes(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def _npz_bytes(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.savez_compressed(stream, videos=array)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "v.npy",
            lambda: _npy_bytes(_video().numpy())[:-100],
            "cut short: 2,780 of the 2,880 data bytes",
        ),
        ("v.npy", lambda: b"", "not a NumPy array"),
        ("v.npy", lambda: b"hello, not an array", "not a NumPy array"),
        (
            "v.npz",
            lambda: b"hello, not an archive",
            "cannot read the .npz archive: File is not a zip file",
        ),
        ("v.npz", lambda: _npz_bytes(_video().numpy())[:-200], "cannot read the .npz archive"),
        ("v.gif", lambda: b"", r"empty file \(0 bytes\)"),
        ("v.gif", lambda: b"GIF89a\x04\x00\x04\x00\x00\x00\x00;", "not an image Pillow can decode"),
    ],
    ids=[
        "truncated-npy",
        "empty-npy",
        "text-npy",
        "text-npz",
        "truncated-npz",
        "empty-gif",
        "broken-gif",
    ],
)
def test_unreadable_files_are_errors_naming_them(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content())
    _error(tmp_path, re.escape(str(tmp_path / name)) + ": " + message)


def test_a_truncated_gif_is_an_error_naming_it(tmp_path):
    write_gif(tmp_path / "a.gif", _video(frames=8, size=(40, 40)), 8)
    data = (tmp_path / "a.gif").read_bytes()
    (tmp_path / "a.gif").write_bytes(data[: len(data) // 2])
    _error(tmp_path, re.escape(str(tmp_path / "a.gif")) + ": cannot read the image")


def test_an_npz_without_videos_names_its_keys(tmp_path):
    np.savez(tmp_path / "v.npz", images=np.zeros((1, 1, 2, 2), np.uint8))
    _error(tmp_path, r"v\.npz: no 'videos' array \(keys: images\)")


def test_arrays_claiming_too_many_values_are_refused_unread(tmp_path, monkeypatch):
    """A header announcing more than MAX_VALUES is refused before its data is read: a
    zip member that would decompress to gigabytes, or a .npy file, alike."""
    monkeypatch.setattr(video_files, "MAX_VALUES", 1000)
    big = np.zeros((2, 6, 1, 10, 10), np.uint8)  # 1,200 values
    np.savez_compressed(tmp_path / "bomb.npz", videos=big)
    _error(tmp_path, r"bomb\.npz: an array of shape \(2, 6, 1, 10, 10\) \(1,200 values\) is over")
    (tmp_path / "bomb.npz").unlink()
    np.save(tmp_path / "a.npy", big[0, :, :, :9])
    np.save(tmp_path / "b.npy", big[0, :, :, :9])  # 540 each: the set passes 1,000
    _error(tmp_path, r"b\.npy: the set grows past 1,000 values")


def test_videos_of_too_many_frames_are_refused_while_read(tmp_path, monkeypatch):
    """A PNG folder or a GIF (frames Pillow merged counted back) past MAX_VALUES."""
    monkeypatch.setattr(video_files, "MAX_VALUES", 1000)
    _save_png_frames(tmp_path / "set" / "clip", _video(frames=9))  # 120 values a frame
    _error(tmp_path / "set", r"clip: a video of more than 1,000 values; refused")
    write_gif(tmp_path / "frozen.gif", _video(frames=1).expand(9, -1, -1, -1), 8)
    _error(tmp_path / "frozen.gif", r"frozen\.gif: a video of more than 1,000 values")
    write_gif(tmp_path / "moving.gif", _video(frames=9), 8)
    _error(tmp_path / "moving.gif", r"moving\.gif: a video of more than 1,000 values")


def test_a_decompression_bomb_frame_is_refused(tmp_path, monkeypatch):
    write_gif(tmp_path / "a.gif", _video(size=(40, 40)), 8)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 600)
    _error(tmp_path, r"a\.gif: refused as a possible decompression bomb")


def test_folder_problems_are_errors_naming_the_path(tmp_path):
    _error(tmp_path / "absent", "absent: No such file or directory")
    (tmp_path / "empty").mkdir()
    _error(tmp_path / "empty", r"empty: no videos \(.gif, .npy or .npz files, or folders of .png")
    (tmp_path / "empty" / "clip").mkdir()
    _error(tmp_path / "empty", "clip: a folder without .png frames")
    (tmp_path / "link.gif").symlink_to(tmp_path / "nowhere.gif")
    _error(tmp_path / "link.gif", "link.gif: a broken symbolic link")
    (tmp_path / "notes.txt").write_text("x")
    _error(tmp_path / "notes.txt", "notes.txt: neither a .gif, .npy or .npz file nor a folder")


def test_write_gif_refuses_what_is_not_a_video(tmp_path):
    for shape in [(2, 4, 4), (0, 1, 4, 4), (2, 2, 4, 4)]:
        with pytest.raises(ValueError, match=rf"at least one frame, got \({shape[0]}, "):
            write_gif(tmp_path / "a.gif", torch.zeros(shape), 8)
