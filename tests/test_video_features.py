"""``moving-digits-cnn``: shipped weights and card, it sees time (direction far above
chance, frozen and shuffled clips move its clip features), its checks, and nothing
touches the network."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch

from benchbench.data.moving_digits import FRAME_RATE, FRAMES, load_moving_digits
from benchbench.extractors import EXTRACTORS
from benchbench.extractors.moving_digits_cnn import MovingDigitsCNNExtractor
from benchbench.hashing import sha256_file
from benchbench.metrics.features.fd import frechet_distance
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.train import train
from benchbench.zoo import ZOO, card, weights_path

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def extractor() -> MovingDigitsCNNExtractor:
    return EXTRACTORS.get("moving-digits-cnn")(CPU)


@pytest.fixture(scope="module")
def clips() -> dict[str, torch.Tensor]:
    train_videos, _, _ = load_moving_digits("train")
    test, digits, directions = load_moving_digits("test")
    return {"train": train_videos, "test": test, "digits": digits, "directions": directions}


def _frozen(videos: torch.Tensor) -> torch.Tensor:
    """Each clip's first frame held for every frame: good frames, no motion."""
    return videos[:, :1].expand_as(videos).contiguous()


def _shuffled(videos: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Each clip's frames in a seeded random order: good frames, broken time."""
    generator = torch.Generator().manual_seed(seed)
    orders = torch.stack([torch.randperm(videos.shape[1], generator=generator) for _ in videos])
    return videos[torch.arange(len(videos))[:, None], orders]


def test_shipped_weights_match_their_card_and_its_held_out_accuracies(clips):
    info, path = card("moving-digits-cnn"), weights_path("moving-digits-cnn")
    assert ZOO["moving-digits-cnn"].family == info["family"] == "feature-extractor"
    assert sha256_file(path) == info["weights_sha256"]
    assert path.stat().st_size == info["weights_bytes"] < 5 * 2**20
    assert info["data"]["dataset"] == "moving-digits" and info["data"]["n"] == 1442
    model = load_checkpoint(path).build()
    assert sum(p.numel() for p in model.parameters()) == info["params"]
    with torch.no_grad():
        features = model.features(clips["test"])
        digit = (model.classify(features).argmax(1) == clips["digits"]).float().mean()
        direction = (model.direction(features).argmax(1) == clips["directions"]).float().mean()
    assert float(digit) == pytest.approx(info["held_out_accuracy"], abs=1e-3)
    assert float(direction) == pytest.approx(info["held_out_direction_accuracy"], abs=1e-3)
    assert info["held_out_n"] == 355 and info["held_out_accuracy"] >= 0.85


def test_it_sees_time_direction_accuracy_is_far_above_chance(extractor, clips):
    """The direction (4 classes, chance 25 %) is told by the order of frames only; on
    frozen clips (one frame) the same head falls back towards chance."""
    with torch.no_grad():
        moving = extractor.net.direction(extractor(clips["test"], FRAME_RATE))
        frozen = extractor.net.direction(extractor(_frozen(clips["test"]), FRAME_RATE))
    accuracy = (moving.argmax(1) == clips["directions"]).float().mean()
    frozen_accuracy = (frozen.argmax(1) == clips["directions"]).float().mean()
    assert float(accuracy) >= 0.8 and float(frozen_accuracy) < 0.5


def test_frozen_and_shuffled_clips_move_the_clip_features_not_the_frame_features(extractor, clips):
    """Against the train split as reference: the test split is close (FD 14.6 with the
    shipped weights), its frozen and frame-shuffled twins are far (201 and 110) in clip
    features; in frame features, which see single frames, the shuffled twin is exactly
    the test split (0.89) and the frozen one stays near (3.3). A clip played backwards
    is another valid clip of this world, and scores like the test split (13.5)."""
    test = clips["test"]
    reference = extractor(clips["train"], FRAME_RATE).double().numpy()
    frame_reference = extractor.extract_frames(clips["train"]).double().numpy()

    def clip_fd(videos: torch.Tensor) -> float:
        return frechet_distance(reference, extractor(videos, FRAME_RATE).double().numpy())

    def frame_fd(videos: torch.Tensor) -> float:
        return frechet_distance(frame_reference, extractor.extract_frames(videos).double().numpy())

    real, frozen, shuffled = clip_fd(test), clip_fd(_frozen(test)), clip_fd(_shuffled(test))
    assert frozen > 5 * real and shuffled > 5 * real
    assert clip_fd(test.flip(1)) < 2 * real
    frames_real, frames_shuffled = frame_fd(test), frame_fd(_shuffled(test))
    assert frames_shuffled == pytest.approx(frames_real, rel=1e-6)
    assert frame_fd(_frozen(test)) < 0.05 * frozen
    same = extractor(test[:4], FRAME_RATE)
    assert not torch.allclose(same, extractor(_frozen(test[:4]), FRAME_RATE), atol=1e-3)


def test_identity_records_clip_length_rate_size_and_weights(extractor):
    assert extractor.identity() == {
        "name": "moving-digits-cnn",
        "version": "1",
        "weights_sha256": card("moving-digits-cnn")["weights_sha256"],
        "clip_frames": FRAMES,
        "frame_rate": FRAME_RATE,
        "size": [32, 32],
        "resize": "bilinear-antialias",
        "input_range": [0.0, 1.0],
    }
    assert extractor.feature_dim == 64


def test_features_are_identical_across_calls_and_batch_sizes(extractor, clips):
    batch = clips["test"][:40]
    first = extractor.extract(batch, FRAME_RATE, batch_size=40)
    again = extractor.extract(batch, FRAME_RATE, batch_size=7)
    assert torch.allclose(first["features"], again["features"], atol=1e-5)
    assert first["logits"].shape == (40, 10)
    assert extractor.extract_frames(batch[:3]).shape == (3 * FRAMES, 64)


def test_larger_frames_are_resized_and_embed_close_to_the_originals(extractor, clips):
    """64×64 frames (each pixel doubled) are resized back by the named antialiased rule:
    their features lie within 15 % of the originals' (other clips' lie 80 % away)."""
    videos = clips["test"][:20]
    doubled = videos.repeat_interleave(2, dim=-1).repeat_interleave(2, dim=-2)
    original, resized = extractor(videos, FRAME_RATE), extractor(doubled, FRAME_RATE)
    others = extractor(clips["test"][20:40], FRAME_RATE)

    def relative(features: torch.Tensor) -> float:
        return float(((features - original).norm(dim=1) / original.norm(dim=1)).mean())

    assert relative(resized) < 0.15 < 0.5 < relative(others)


@pytest.mark.parametrize(
    ("change", "rate", "message"),
    [
        (lambda v: v[:, :12], FRAME_RATE, "exactly 16 frames, got 12"),
        (lambda v: v, 16, "trained on clips at 8 fps, got 16 fps"),
        (
            lambda v: v * 255,
            FRAME_RATE,
            r"values up to 2\d\d(\.\d+)?; 0\.\.255 pixels must be divided by 255",
        ),
        (lambda v: v.index_fill(0, torch.tensor([1]), float("nan")), FRAME_RATE, "NaN"),
        (lambda v: v[:, :, 0], FRAME_RATE, r"\[N, frames, channels, H, W\], got shape \(2, 16"),
    ],
    ids=["length", "rate", "0..255", "nan", "shape"],
)
def test_pitfalls_are_clear_errors(extractor, clips, change, rate, message):
    with pytest.raises(ValueError, match=message):
        extractor(change(clips["test"][:2].clone()), rate)


def test_extraction_runs_with_sockets_blocked(monkeypatch, clips):
    """Loading the extractor and embedding clips never opens a connection or resolves a
    name: every way out raises, and the test fails if any was tried."""
    attempts: list[str] = []

    def refuse(name: str):
        def blocked(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"network blocked in this test ({name})")

        return blocked

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    with pytest.raises(OSError, match="network blocked"):  # the guard itself is live
        socket.create_connection(("localhost", 9))
    attempts.clear()
    features = MovingDigitsCNNExtractor(CPU)(clips["test"][:8], FRAME_RATE)
    assert features.shape == (8, 64) and attempts == []


def test_fd_of_a_set_with_itself_is_zero_and_never_negative_when_rank_deficient(extractor, clips):
    features = extractor(clips["test"][:40], FRAME_RATE).double().numpy()
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    few = features[:10]  # 10 clips, 64 dimensions: covariance of rank 9 at most
    for other in (few, features[10:20], features[:9]):
        assert frechet_distance(few, other) >= 0.0


@pytest.mark.slow
def test_recipe_runs_end_to_end_and_is_reproducible_from_its_seed(tmp_path):
    rng_before = torch.get_rng_state()
    first = train("moving-digits-cnn", out_dir=tmp_path / "a", seed=3, epochs=1)
    again = train("moving-digits-cnn", out_dir=tmp_path / "b", seed=3, epochs=1)
    assert torch.equal(torch.get_rng_state(), rng_before), "recipes must not move the global RNG"
    assert first["weights_sha256"] == again["weights_sha256"]
    assert (first["seed"], first["epochs"], first["steps"]) == (3, 1, 1442 // 64)
    assert 0.0 <= first["held_out_direction_accuracy"] <= 1.0
    assert card("moving-digits-cnn", tmp_path / "a") == first
    assert np.isfinite(first["final_losses"]["direction"])
