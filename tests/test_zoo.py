"""The embedded zoo: shipped weights match their cards, nets sample reproducibly, recipes run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from benchbench.data.digits import load_digits
from benchbench.hashing import sha256_tree
from benchbench.nets.checkpoint import load_checkpoint
from benchbench.nets.pixelcnn import GatedPixelCNN, quantise
from benchbench.registry import UnknownNameError
from benchbench.train import train
from benchbench.train.grids import generative_names, sampler
from benchbench.zoo import ZOO, card, card_path, weights_path

IMAGE_ZOO = [n for n, e in ZOO.items() if e.recipe.startswith("benchbench.train.recipes:")]
CHECKPOINTS = [name for name in IMAGE_ZOO if ZOO[name].family != "diffusion"]
MAX_WEIGHT_BYTES = 5 * 2**20


def _files(path: Path) -> list[Path]:
    return [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("name", IMAGE_ZOO)
def test_shipped_card_matches_its_weights(name: str) -> None:
    entry, info = ZOO[name], card(name)
    path = weights_path(name)
    assert (info["name"], info["family"], info["recipe"]) == (name, entry.family, entry.recipe)
    assert sha256_tree(path) == info["weights_sha256"]
    assert sum(f.stat().st_size for f in _files(path)) == info["weights_bytes"] < MAX_WEIGHT_BYTES
    assert info["data"] == {"dataset": "sklearn-digits", "split": "train", "size": 16, "n": 1442}
    assert math.isfinite(info["final_loss"]) and info["steps"] > 0 and info["params"] > 0


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_shipped_checkpoint_builds_with_the_carded_size(name: str) -> None:
    checkpoint = load_checkpoint(weights_path(name))
    module = checkpoint.build()
    assert not module.training
    assert sum(p.numel() for p in module.parameters()) == card(name)["params"]
    assert checkpoint.meta["zoo"] == name and checkpoint.meta["seed"] == card(name)["seed"]


def test_shipped_ddpm_loads_as_diffusers_folders() -> None:
    from diffusers import DDPMScheduler, UNet2DModel

    unet = UNet2DModel.from_pretrained(
        weights_path("ddpm-digits") / "unet", low_cpu_mem_usage=False
    )
    scheduler = DDPMScheduler.from_pretrained(weights_path("ddpm-digits") / "scheduler")
    assert scheduler.config.num_train_timesteps == 1000
    assert (unet.config.sample_size, unet.config.in_channels, unet.config.out_channels) == (
        16,
        1,
        1,
    )
    assert sum(p.numel() for p in unet.parameters()) == card("ddpm-digits")["params"]


def test_classifier_held_out_accuracy_and_features() -> None:
    model = load_checkpoint(weights_path("digits-cnn")).build()
    images, labels = load_digits("test")
    with torch.no_grad():
        accuracy = (model(images).argmax(1) == labels).float().mean().item()
        features = model.features(images)
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(card("digits-cnn")["held_out_accuracy"], abs=1e-3)
    assert features.shape == (len(images), 64) and (features >= 0).all()


@pytest.mark.parametrize("name", generative_names())
def test_generative_nets_sample_reproducibly(name: str) -> None:
    sample = sampler(name, ddim_steps=3)
    first = sample(6, torch.Generator().manual_seed(7))
    again = sample(6, torch.Generator().manual_seed(7))
    other = sample(6, torch.Generator().manual_seed(8))
    assert first.shape == (6, 1, 16, 16) and first.dtype == torch.float32
    assert first.min() >= 0.0 and first.max() <= 1.0 and not first.requires_grad
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_pixelcnn_is_causal_in_raster_order() -> None:
    model = GatedPixelCNN(levels=16, channels=8, layers=3, kernel=5).eval()
    x = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        base = model(x).flatten(2)
        for position in (0, 37, 128, 255):
            changed = x.clone().flatten(2)
            changed[..., position] = (changed[..., position] < 0.5).float()  # another level
            logits = model(changed.view_as(x)).flatten(2)
            # Logits at and before a pixel never depend on it; the next pixel's do.
            assert torch.allclose(logits[..., : position + 1], base[..., : position + 1], atol=1e-5)
            if position < 255:
                assert not torch.allclose(logits[..., position + 1], base[..., position + 1])


def test_pixelcnn_sampling_agrees_with_forward() -> None:
    # Near-zero temperature makes sampling an argmax, so the row-cached sampler must pick
    # what the full forward pass ranks first at every pixel of the finished image.
    model = load_checkpoint(weights_path("pixelcnn-digits")).build()
    images = model.sample(3, torch.Generator().manual_seed(0), temperature=1e-4)
    with torch.no_grad():
        predicted = model(images).argmax(1)
    assert torch.equal(predicted, quantise(images, model.levels)[:, 0])


def test_pixelcnn_rejects_non_positive_temperature() -> None:
    with pytest.raises(ValueError, match="temperature"):
        GatedPixelCNN().sample(1, torch.Generator(), temperature=0.0)


@pytest.mark.slow
@pytest.mark.parametrize("name", IMAGE_ZOO)
def test_recipe_runs_end_to_end(name: str, tmp_path: Path) -> None:
    rng_before = torch.get_rng_state()
    info = train(name, out_dir=tmp_path, seed=3, epochs=1)
    assert torch.equal(torch.get_rng_state(), rng_before), "recipes must not move the global RNG"
    assert card(name, tmp_path) == info
    assert card_path(name, tmp_path).name == f"{name}.card.json"
    assert (info["seed"], info["epochs"], info["name"]) == (3, 1, name)
    assert info["steps"] == 1442 // info["batch_size"]
    assert math.isfinite(info["final_loss"]) and info["train_seconds"] > 0
    assert sha256_tree(weights_path(name, tmp_path)) == info["weights_sha256"]
    if name in generative_names():
        images = sampler(name, tmp_path, ddim_steps=2)(2, torch.Generator().manual_seed(0))
        assert images.shape == (2, 1, 16, 16)
    elif name == "digits-clip":
        net = load_checkpoint(weights_path(name, tmp_path)).build()
        image = net.encode_images(torch.zeros(1, 1, 16, 16))
        assert net.encode_texts(["a seven"]).shape == image.shape
        assert 0.0 <= info["zero_shot_accuracy"] <= 1.0
    else:
        assert load_checkpoint(weights_path(name, tmp_path)).build().features(
            torch.zeros(1, 1, 16, 16)
        ).shape == (1, 64)
        assert 0.0 <= info["held_out_accuracy"] <= 1.0


def test_recipe_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    runs = {
        key: train("digits-cnn", out_dir=tmp_path / key, seed=seed, epochs=1)["weights_sha256"]
        for key, seed in (("a", 5), ("b", 5), ("c", 6))
    }
    assert runs["a"] == runs["b"] != runs["c"]


def test_unknown_zoo_name_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'vae-digits'") as info:
        weights_path("vae-digit")
    assert info.value.suggestion == "vae-digits" and info.value.kind == "zoo model"
    with pytest.raises(UnknownNameError, match="unknown zoo model 'gan'"):
        train("gan", out_dir=Path("unused"))
    with pytest.raises(UnknownNameError):
        card("pixelcnn")


def test_feature_extractor_has_no_sampler() -> None:
    with pytest.raises(ValueError, match="not a generative model"):
        sampler("digits-cnn")
