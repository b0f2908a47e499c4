"""Real video extractors (I3D for FVD, VideoMAE-v2): the networks against independent
computations, honest metric names, and loading from local files only — tested on randomly
initialised networks saved to a temporary directory, with the network blocked."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from typer.testing import CliRunner

from benchbench.catalogue import METRICS
from benchbench.cli.app import app
from benchbench.extractors import EXTRACTORS
from benchbench.extractors.real_video import I3DKinetics400, VideoMAEv2ViTS
from benchbench.extractors.weights_files import MissingWeightsError, WrongWeightsError
from benchbench.hashing import sha256_file
from benchbench.metrics import MetricSetupError
from benchbench.metrics.features.fd import FrechetDistance, FrechetVideoDistance
from benchbench.metrics.features.kd import KernelDistance
from benchbench.nets.video import i3d, videomae
from tests.support.weights import publish_weights

pytestmark = pytest.mark.usefixtures("no_network")  # nothing here may reach for a download

CPU = torch.device("cpu")
EXTRACTOR_CLASSES = {"i3d-kinetics400": I3DKinetics400, "videomae-v2": VideoMAEv2ViTS}
NAMES = list(EXTRACTOR_CLASSES)


def test_the_network_is_blocked_in_these_tests():
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.org", 443), timeout=1)


# -- the networks against independent computations ---------------------------------------


def tf_same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's documented ``SAME`` rule, in its own form: pad ``k - s`` when the size
    divides, else ``k - size % s``; the odd row goes after."""
    total = max(kernel - (stride if size % stride == 0 else size % stride), 0)
    return total // 2, total - total // 2


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel", [1, 2, 3, 7])
def test_i3d_pads_like_tensorflow_same(kernel, stride):
    for size in range(1, 20):
        sizes = (size, size + 1, size + 2)  # T, H, W
        pads = i3d.same_padding(
            torch.empty(1, 1, *sizes, device="meta"), (kernel,) * 3, (stride,) * 3
        )
        assert pads == [p for n in reversed(sizes) for p in tf_same_padding(n, kernel, stride)]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_i3d_stride_one_convolution_equals_torchs_same_padding():
    torch.manual_seed(0)
    unit = i3d.Unit3D(2, 3, kernel=(2, 3, 4), logits=True)  # even kernels pad unevenly
    x = torch.randn(1, 2, 5, 6, 7)
    expected = F.conv3d(x, unit.conv3d.weight, unit.conv3d.bias, padding="same")
    torch.testing.assert_close(unit(x), expected)


def test_i3d_takes_16_frames_at_224_to_400_logits():
    """Shapes only (the meta device computes none): the endpoints of the TF graph."""
    with torch.device("meta"):
        net = i3d.InceptionI3d()
        shapes = {}
        for name in ("Conv3d_1a_7x7", "Mixed_3c", "Mixed_4f", "Mixed_5c"):
            getattr(net, name).register_forward_hook(
                lambda _m, _i, out, name=name: shapes.__setitem__(name, tuple(out.shape))
            )
        logits = net(torch.empty(2, 3, 16, 224, 224))
    assert logits.shape == (2, 400)
    assert shapes == {
        "Conv3d_1a_7x7": (2, 64, 8, 112, 112),
        "Mixed_3c": (2, 480, 8, 28, 28),
        "Mixed_4f": (2, 832, 4, 14, 14),
        "Mixed_5c": (2, 1024, 2, 7, 7),
    }


def test_i3d_has_the_pytorch_port_layout():
    state = i3d.InceptionI3d().state_dict()
    assert state["Conv3d_1a_7x7.conv3d.weight"].shape == (64, 3, 7, 7, 7)
    assert state["Mixed_4b.b1b.conv3d.weight"].shape == (208, 96, 3, 3, 3)
    assert state["logits.conv3d.weight"].shape == (400, 1024, 1, 1, 1)
    assert "Conv3d_1a_7x7.conv3d.bias" not in state and "logits.conv3d.bias" in state
    assert sum(t.numel() for k, t in state.items() if "running" not in k and "num_b" not in k) == (
        12_697_264
    )


def sinusoid_numpy(positions: int, width: int) -> np.ndarray:
    """The release's ``get_sinusoid_encoding_table``, written out with its loops."""
    table = np.array(
        [
            [pos / np.power(10000, 2 * (j // 2) / width) for j in range(width)]
            for pos in range(positions)
        ]
    )
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return table.astype(np.float32)


def test_videomae_position_codes_equal_the_release_recipe():
    np.testing.assert_allclose(
        videomae.sinusoid_table(50, 24).numpy(), sinusoid_numpy(50, 24), atol=1e-6
    )


def test_videomae_attention_equals_the_explicit_softmax():
    """q/v biases, no k bias, scale 1/sqrt(head width): the release's attention by hand."""
    torch.manual_seed(0)
    attention = videomae.Attention(width=8, heads=2)
    nn.init.normal_(attention.q_bias)
    nn.init.normal_(attention.v_bias)
    x = torch.randn(3, 5, 8)
    q, k, v = (x @ attention.qkv.weight.T).split(8, dim=-1)
    q, v = q + attention.q_bias, v + attention.v_bias
    heads = [slice(0, 4), slice(4, 8)]
    out = torch.cat(
        [((q[..., h] @ k[..., h].transpose(1, 2)) / 2.0).softmax(-1) @ v[..., h] for h in heads], -1
    )
    torch.testing.assert_close(attention(x), attention.proj(out), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("config", "tokens", "patch_weight", "head"),
    [
        (videomae.VIT_S, 1568, (384, 3, 2, 16, 16), (710, 384)),
        (videomae.VIT_G, 2048, (1408, 3, 2, 14, 14), (174, 1408)),
    ],
    ids=["vit-s-k710-distilled", "vit-g-ssv2-cd-fvd"],
)
def test_videomae_configs_have_the_released_layouts(config, tokens, patch_weight, head):
    with torch.device("meta"):  # ViT-g has a billion parameters: shapes only
        net = videomae.VideoMAEv2ViT(config)
        features = net(torch.empty(1, 3, 16, 224, 224))
    state = net.state_dict()
    assert net.pos_embed.shape == (tokens, config.width) and "pos_embed" not in state
    assert state["patch_embed.proj.weight"].shape == patch_weight
    assert state["head.weight"].shape == head and "blocks.0.attn.k_bias" not in state
    assert features.shape == (1, config.width)


# -- honest names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extractor", "fd", "kd"),
    [
        ("i3d-kinetics400", "FVD", "KD[i3d-kinetics400]"),
        ("videomae-v2", "FD[videomae-v2]", "KD[videomae-v2]"),
        ("moving-digits-cnn", "FD[moving-digits-cnn]", "KD[moving-digits-cnn]"),
    ],
)
def test_fvd_is_the_name_of_fd_on_i3d_only(extractor, fd, kd):
    features = {"name": extractor}
    assert FrechetDistance(features, reference="r").label == fd
    assert KernelDistance(features, reference="r").label == kd


def test_the_fvd_metric_refuses_features_other_than_i3d():
    assert METRICS.get("fvd") is FrechetVideoDistance
    assert FrechetVideoDistance({"name": "i3d-kinetics400"}, reference="r").label == "FVD"
    for other in ("videomae-v2", "moving-digits-cnn"):
        with pytest.raises(MetricSetupError, match="defined on i3d-kinetics400"):
            FrechetVideoDistance({"name": other}, reference="r")


# -- loading from local files only -------------------------------------------------------


def save_published(directory: Path, name: str) -> Path:
    """A randomly initialised network saved in the published format under the published name."""
    torch.manual_seed(0)
    path = directory / EXTRACTOR_CLASSES[name].weights_file.name
    if name == "i3d-kinetics400":
        torch.save(i3d.InceptionI3d().state_dict(), path)
    else:
        torch.save({"module": videomae.VideoMAEv2ViT().state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("video-weights")
    for name in NAMES:
        save_published(directory, name)
    return directory


def fvd_reference_preprocessing(videos: torch.Tensor) -> torch.Tensor:
    """cd-fvd's / TATS's ``preprocess_i3d`` on the same clips as 0..255 RGB frames:
    bilinear to 224×224 (no antialias), then ``2 x / 255 - 1``, as ``[N, C, T, H, W]``."""
    n, t = videos.shape[:2]
    frames = (videos * 255).expand(-1, -1, 3, -1, -1).flatten(0, 1)
    resized = F.interpolate(frames, size=(224, 224), mode="bilinear", align_corners=False)
    return (2.0 * resized / 255.0 - 1.0).view(n, t, 3, 224, 224).transpose(1, 2)


def videomae_reference_preprocessing(videos: torch.Tensor) -> torch.Tensor:
    """VideoMAE-v2's evaluation transform: RGB in [0, 1] resized to 224×224, normalised with
    the ImageNet mean and std per channel, as ``[N, C, T, H, W]``."""
    frames = videos.expand(-1, -1, 3, -1, -1).flatten(0, 1)
    resized = F.interpolate(frames, size=(224, 224), mode="bilinear", align_corners=False)
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return ((resized - mean) / std).view(*videos.shape[:2], 3, 224, 224).transpose(1, 2)


REFERENCE_PREPROCESSING = {
    "i3d-kinetics400": fvd_reference_preprocessing,
    "videomae-v2": videomae_reference_preprocessing,
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dim"), [("i3d-kinetics400", 400), ("videomae-v2", 384)])
def test_the_published_file_loads_and_embeds_each_clip(random_weights, monkeypatch, name, dim):
    """One forward of two grey 32×32 moving-digits-sized clips; the features equal the
    network on the reference preprocessing of the same clips."""
    path = random_weights / EXTRACTOR_CLASSES[name].weights_file.name
    publish_weights(monkeypatch, EXTRACTOR_CLASSES[name], path)
    extractor = EXTRACTORS.get(name)(CPU, weights_dir=random_weights)
    torch.manual_seed(1)
    clips = torch.rand(2, 16, 1, 32, 32)
    features = extractor.extract(clips, frame_rate=8)["features"]
    assert features.shape == (2, dim) and features.dtype == torch.float32
    assert not torch.allclose(features[0], features[1])
    with torch.inference_mode():
        expected = extractor.net(REFERENCE_PREPROCESSING[name](clips))
    torch.testing.assert_close(features, expected, atol=1e-4, rtol=1e-4)
    identity = extractor.identity()
    assert identity["weights_sha256"] == sha256_file(path) and extractor.feature_dim == dim
    assert identity["clip_frames"] == 16 and identity["resize"] == "bilinear"


@pytest.mark.parametrize("name", NAMES)
def test_frames_reach_the_network_as_the_reference_prepares_them(random_weights, name):
    extractor = EXTRACTORS.get(name)(CPU, weights_dir=random_weights)
    clips = torch.rand(2, 16, 1, 32, 32)
    clips[0, 0, 0, :2, :2], clips[1, 3, 0, 4:7, 4:7] = 0.0, 1.0
    prepared = extractor.prepare(clips, frame_rate=8).transpose(1, 2)  # [N, C, T, H, W]
    if name == "i3d-kinetics400":
        assert prepared.min() == -1.0 and prepared.max() == 1.0
        torch.testing.assert_close(prepared, fvd_reference_preprocessing(clips))
    else:
        assert prepared.min() == 0.0 and prepared.max() == 1.0  # normalised in the forward


@pytest.mark.parametrize("name", NAMES)
def test_clips_go_through_the_network_a_few_at_a_time(random_weights, monkeypatch, name):
    """224×224×16 clips are large: 64 at once would need gigabytes on a CPU."""
    extractor = EXTRACTORS.get(name)(CPU, weights_dir=random_weights)
    batches = []
    monkeypatch.setattr(
        extractor,
        "_extract",
        lambda clips: batches.append(len(clips)) or {"features": torch.zeros(len(clips), 1)},
    )
    assert extractor(torch.rand(20, 16, 1, 32, 32), 8).shape == (20, 1)
    assert batches == [8, 8, 4]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("clips", "rate", "message"),
    [
        (torch.rand(2, 8, 1, 32, 32), 8, "exactly 16 frames, got 8"),
        (torch.rand(2, 16, 1, 32, 32) * 255, 8, "divided by 255"),
        (torch.rand(2, 16, 32, 32), 8, r"\[N, frames, channels, H, W\]"),
    ],
    ids=["8-frames", "0-255", "no-channel-axis"],
)
def test_clips_the_network_was_not_built_for_are_refused(
    random_weights, name, clips, rate, message
):
    extractor = EXTRACTORS.get(name)(CPU, weights_dir=random_weights)
    with pytest.raises(ValueError, match=message):
        extractor.extract(clips, frame_rate=rate)


def test_an_i3d_file_saved_without_batch_norm_counters_loads(tmp_path, random_weights):
    """Files written by old torch (pytorch-i3d's) lack ``num_batches_tracked``."""
    state = torch.load(random_weights / "i3d_pretrained_400.pt", weights_only=True)
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert len(old) < len(state)
    torch.save(old, tmp_path / "i3d_pretrained_400.pt")
    extractor = EXTRACTORS.get("i3d-kinetics400")(CPU, weights_dir=tmp_path)
    torch.testing.assert_close(extractor.net.logits.conv3d.bias, state["logits.conv3d.bias"])


@pytest.mark.parametrize("name", NAMES)
def test_a_file_with_another_hash_is_refused_naming_it(tmp_path, monkeypatch, name):
    cls = EXTRACTOR_CLASSES[name]
    monkeypatch.setattr(cls, "weights_file", dataclasses.replace(cls.weights_file, sha256="0" * 64))
    path = tmp_path / cls.weights_file.name
    torch.save({"module": {}}, path)
    with pytest.raises(WrongWeightsError) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=tmp_path)
    assert str(path) in str(error.value) and sha256_file(path) in str(error.value)
    assert f"bench weights fetch {name}" in str(error.value)


@pytest.mark.parametrize(
    ("name", "state", "message"),
    [
        (
            "i3d-kinetics400",
            lambda: nn.Linear(3, 2).state_dict(),
            "tensors missing .* 2 unexpected",
        ),
        (
            "i3d-kinetics400",
            lambda: {k: torch.zeros(1) for k in i3d.InceptionI3d().state_dict()},
            r"344 with another shape \(Conv3d_1a_7x7.conv3d.weight: \[1\] in the file, "
            r"\[64, 3, 7, 7, 7\] expected",
        ),
        (
            "videomae-v2",
            lambda: {
                "module": videomae.VideoMAEv2ViT(
                    dataclasses.replace(videomae.VIT_S, width=192, mlp_width=768)
                ).state_dict()
            },
            r"161 with another shape \(patch_embed.proj.weight: \[192, 3, 2, 16, 16\] in the file, "
            r"\[384, 3, 2, 16, 16\] expected",
        ),
        ("videomae-v2", lambda: nn.Linear(3, 2).state_dict(), "not a VideoMAE-v2 checkpoint"),
        ("videomae-v2", lambda: {"model": nn.Linear(3, 2).state_dict()}, "tensors missing"),
    ],
    ids=["i3d-another-net", "i3d-reshaped", "videomae-narrower", "videomae-bare", "videomae-other"],
)
def test_another_networks_file_is_refused_naming_it(tmp_path, monkeypatch, name, state, message):
    path = tmp_path / EXTRACTOR_CLASSES[name].weights_file.name
    torch.save(state(), path)
    publish_weights(monkeypatch, EXTRACTOR_CLASSES[name], path)
    with pytest.raises(WrongWeightsError, match=message) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=tmp_path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("name", NAMES)
def test_missing_weights_name_the_file_the_places_and_the_fetch_command(empty_caches, name):
    given = empty_caches / "given"
    with pytest.raises(MissingWeightsError) as error:
        EXTRACTORS.get(name)(CPU, weights_dir=given)
    message = str(error.value)
    assert EXTRACTOR_CLASSES[name].weights_file.name in message
    assert f"bench weights fetch {name}" in message
    for place in (given, empty_caches / "torch" / "hub" / "checkpoints", empty_caches / "hf"):
        assert str(place) in message


def test_weights_verify_covers_the_video_extractors(empty_caches, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    given = empty_caches / "given"
    given.mkdir()
    verify = ["weights", "verify", *NAMES, "--weights-dir", str(given)]
    result = CliRunner().invoke(app, verify)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("missing") == 2
    save_published(given, "i3d-kinetics400")
    result = CliRunner().invoke(app, verify)
    assert result.exit_code == 0, result.stdout
    assert "present (no published hash)" in result.stdout  # the path column may be cut
    assert sha256_file(given / "i3d_pretrained_400.pt")[:16] in result.stdout
    assert "vit_s_k710_dl_from_giant.pth" in result.stdout and result.stdout.count("missing") == 1
