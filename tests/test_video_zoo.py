"""The video zoo's generators (VideoGAN, the space-time-patch diffusion transformer): nets,
adapters, recipes and shipped weights. Adapters are tested on tiny random nets saved as
benchbench checkpoints to a temp dir."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from benchbench.adapters import ADAPTERS
from benchbench.adapters.base import seeded
from benchbench.cli.app import app
from benchbench.cli.common import console
from benchbench.data.moving_digits import FRAME_RATE, FRAMES, SIZE
from benchbench.hashing import sha256_tree
from benchbench.nets import NETS
from benchbench.nets.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from benchbench.train import train, video_recipes
from benchbench.train.grids import generative_names
from benchbench.zoo import ZOO, card, weights_path

CPU = torch.device("cpu")
VIDEO_ZOO = [n for n, e in ZOO.items() if e.recipe.startswith("benchbench.train.video_recipes:")]
GENERATORS = ["videogan", "video-diffusion"]  # adapter names, also the zoo entries' family
# adapter -> (registered net, a tiny config of it: 8 frames of 16×16)
TINY = {
    "videogan": ("videogan-generator", {"z_dim": 8, "width": 2, "frames": 8, "size": 16}),
    "video-diffusion": (
        "video-dit",
        {
            "frames": 4,
            "size": 8,
            "tubelet": [2, 4, 4],
            "dim": 16,
            "depth": 1,
            "heads": 2,
            "mlp_ratio": 2,
            "train_timesteps": 50,
        },
    ),
}


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def tiny_net(adapter: str) -> torch.nn.Module:
    arch, config = TINY[adapter]
    net = seeded(lambda: NETS.get(arch)(**config))
    if adapter == "video-diffusion":  # adaLN-zero starts as "no noise": give it an effect
        for layer in (net.head, net.final_modulation, net.blocks[0][0].modulation):
            torch.nn.init.normal_(layer.weight, std=0.5, generator=generator(1))
    return net


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("video-zoo")
    return {
        name: save_checkpoint(root / f"{name}.pt", tiny_net(name), *TINY[name])
        for name in GENERATORS
    }


def load(name: str, checkpoints: dict[str, Path]):
    return ADAPTERS.get(name).load(checkpoints[name], CPU)


def count_calls(module: torch.nn.Module) -> Callable[[], int]:
    """How often ``module`` has been called since (a forward hook counts)."""
    calls = [0]
    module.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    return lambda: calls[0]


@pytest.mark.parametrize("name", GENERATORS)
def test_samples_are_grey_clips_in_range_at_the_nets_frame_rate(name, checkpoints):
    adapter = load(name, checkpoints)
    config = TINY[name][1]
    clips = adapter.sample(3, generator(0))
    assert adapter.output == "video" and adapter.frame_rate == FRAME_RATE
    assert clips.shape == (3, config["frames"], 1, config["size"], config["size"])
    assert clips.dtype == torch.float32 and not clips.requires_grad
    assert torch.isfinite(clips).all() and clips.min() >= 0.0 and clips.max() <= 1.0
    assert clips.std() > 0  # not a blank clip
    assert (clips[:, 1:] != clips[:, :1]).any()  # frames differ: not a still


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_clips_other_seed_other_clips(name, checkpoints):
    adapter = load(name, checkpoints)
    first = adapter.sample(2, generator(7))
    assert torch.equal(first, adapter.sample(2, generator(7)))
    assert not torch.equal(first, adapter.sample(2, generator(8)))


@pytest.mark.parametrize("name", GENERATORS)
def test_labels_are_honoured_and_drawn_uniformly_without_them(name, checkpoints):
    adapter = load(name, checkpoints)
    threes = adapter.sample(4, generator(0), labels=torch.full((4,), 3))
    fives = adapter.sample(4, generator(0), labels=torch.full((4,), 5))
    assert threes.shape == fives.shape and not torch.equal(threes, fives)
    # Without labels the adapter draws them uniformly from its generator (the GAN adapter
    # after the latent, the diffusion one first) and samples with them.
    drawing = generator(0)
    if name == "videogan":
        torch.randn(4, adapter.net.z_dim, generator=drawing)  # its latent
    drawn = torch.randint(10, (4,), generator=drawing)
    given = adapter.sample(4, generator(0) if name == "videogan" else drawing, labels=drawn)
    assert torch.equal(adapter.sample(4, generator(0)), given)
    assert adapter.accepts("labels")
    with pytest.raises(ValueError, match=r"labels must be 4 class indices in 0\.\.9"):
        adapter.sample(4, generator(0), labels=torch.full((4,), 10))


def test_videogan_clips_are_the_mask_blend_of_a_still_background_and_a_moving_foreground():
    net = tiny_net("videogan").eval()
    z, labels = torch.randn(2, 8, generator=generator(0)), torch.tensor([1, 7])
    with torch.no_grad():
        background, foreground, mask = net.streams(z, labels)
        clips = net(z, labels)
    assert background.shape == (2, 1, 1, 16, 16) and foreground.shape == mask.shape
    assert foreground.shape == clips.shape == (2, 8, 1, 16, 16)
    assert torch.allclose(clips, mask * foreground + (1 - mask) * background)


def test_dit_tubelets_round_trip_and_each_token_holds_one_tubelet():
    net = tiny_net("video-diffusion")
    clips = torch.rand(2, 4, 1, 8, 8, generator=generator(0))
    tokens = net.patchify(clips)
    assert tokens.shape == (2, 2 * 2 * 2, 2 * 4 * 4)  # (time, rows, columns) tubelets
    assert torch.equal(tokens[1, 0].reshape(2, 4, 4), clips[1, :2, 0, :4, :4])
    assert torch.equal(tokens[1, 1].reshape(2, 4, 4), clips[1, :2, 0, :4, 4:])
    assert torch.equal(tokens[1, 4].reshape(2, 4, 4), clips[1, 2:, 0, :4, :4])
    assert torch.equal(net.unpatchify(tokens), clips)


def test_dit_starts_as_no_noise_adaln_zero():
    net = seeded(lambda: NETS.get("video-dit")(**TINY["video-diffusion"][1]))
    noisy = torch.randn(2, 4, 1, 8, 8, generator=generator(0))
    assert torch.equal(net(noisy, torch.tensor(10), torch.tensor([0, 1])), torch.zeros_like(noisy))


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 3), ("ddim", 7), ("ddpm", 5)])
def test_video_diffusion_makes_one_network_pass_per_step(sampler, steps, checkpoints):
    adapter = load("video-diffusion", checkpoints)
    passes = count_calls(adapter.net)
    adapter.sample(2, generator(0), sampler, steps)
    assert passes() == steps


def test_ddim_steps_change_the_clips(checkpoints):
    """Their cost is one network pass per step (the test above); benchmarks/video_speed.py
    times it. A unit test on a shared machine does not."""
    adapter = load("video-diffusion", checkpoints)
    few = adapter.sample(2, generator(0), "ddim", 2)
    many = adapter.sample(2, generator(0), "ddim", 40)
    assert torch.equal(few, adapter.sample(2, generator(0), "ddim", 2))  # eta 0: deterministic
    assert not torch.equal(few, many)
    assert not torch.equal(few, adapter.sample(2, generator(0), "ddpm", 2))


def test_video_diffusion_refuses_more_steps_than_it_was_trained_with(checkpoints):
    with pytest.raises(ValueError, match="steps=60: this model was trained with 50"):
        load("video-diffusion", checkpoints).sample(1, generator(0), "ddim", 60)


@pytest.mark.parametrize("name", GENERATORS)
def test_checkpoint_round_trip_rebuilds_the_same_sampler(name, checkpoints, tmp_path):
    adapter = load(name, checkpoints)
    path = save_checkpoint(tmp_path / "again.pt", adapter.net, *TINY[name])
    checkpoint = load_checkpoint(path)
    assert (checkpoint.arch, checkpoint.config) == TINY[name]
    again = ADAPTERS.get(name).load(path, CPU)
    assert torch.equal(adapter.sample(2, generator(3)), again.sample(2, generator(3)))
    ADAPTERS.get(name).check_weights(path)


def test_check_weights_refuses_files_that_are_not_the_adapters_network(tmp_path, checkpoints):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00not a checkpoint" * 10)
    for name in GENERATORS:
        with pytest.raises(CheckpointError, match="cannot read"):
            ADAPTERS.get(name).check_weights(garbage)
    videogan, diffusion = ADAPTERS.get("videogan"), ADAPTERS.get("video-diffusion")
    message = "holds a 'video-dit' network; expected 'videogan-generator'"
    with pytest.raises(CheckpointError, match=message):
        videogan.check_weights(checkpoints["video-diffusion"])
    with pytest.raises(CheckpointError, match=message):
        videogan.load(checkpoints["video-diffusion"], CPU)
    with pytest.raises(CheckpointError, match="expected 'video-dit'"):
        diffusion.check_weights(checkpoints["videogan"])


@pytest.mark.parametrize("name", GENERATORS)
def test_weights_of_the_wrong_shape_are_an_error_naming_the_file_and_tensor(name, tmp_path):
    arch, config = TINY[name]
    wider = {**config, "dim": 32} if name == "video-diffusion" else {**config, "width": 4}
    path = save_checkpoint(
        tmp_path / "wrong.pt", seeded(lambda: NETS.get(arch)(**wider)), arch, config
    )
    ADAPTERS.get(name).check_weights(path)  # the envelope is fine: only the tensors are wrong
    with pytest.raises(CheckpointError) as info:
        ADAPTERS.get(name).load(path, CPU)
    message = str(info.value)
    assert message.startswith(f"{path}: its weights do not fit architecture {arch!r}")
    assert "size mismatch for" in message and "\n" not in message


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_weights_holding_nan_or_inf_are_an_error_naming_the_file_and_tensor(bad, tmp_path):
    arch, config = TINY["videogan"]
    net = tiny_net("videogan")
    with torch.no_grad():
        net.background[0].weight[0, 0] = bad
    path = save_checkpoint(tmp_path / "nan.pt", net, arch, config)
    with pytest.raises(
        CheckpointError, match=r"nan\.pt: tensor 'background\.0\.weight' holds NaN or infinite"
    ):
        ADAPTERS.get("videogan").load(path, CPU)


def test_video_models_are_not_image_generators():
    # The image zoo's grids and tests sample every "generative" entry as 16x16 images.
    assert not set(VIDEO_ZOO) & set(generative_names())
    assert {ZOO[n].family for n in VIDEO_ZOO} >= set(GENERATORS)


def test_zoo_list_shows_the_video_generators_with_their_cards(monkeypatch):
    monkeypatch.setattr(console, "width", 400)
    result = CliRunner().invoke(app, ["zoo", "list"])
    assert result.exit_code == 0, result.output
    for name in VIDEO_ZOO:
        row = next(line for line in result.output.splitlines() if f" {name} " in line)
        info = card(name)
        assert ZOO[name].family in row and f"{info['params']:,}" in row
        assert info["weights_sha256"][:12] in row and "not trained" not in row


@pytest.mark.parametrize("name", VIDEO_ZOO)
def test_shipped_card_matches_its_weights(name):
    entry, info = ZOO[name], card(name)
    path = weights_path(name)
    assert (info["name"], info["family"], info["recipe"]) == (name, entry.family, entry.recipe)
    assert sha256_tree(path) == info["weights_sha256"]
    assert path.stat().st_size == info["weights_bytes"] < 5 * 2**20
    assert info["data"] == {
        "dataset": "moving-digits",
        "split": "train",
        "frames": FRAMES,
        "frame_rate": FRAME_RATE,
        "size": SIZE,
        "n": 1442,
    }
    assert math.isfinite(info["final_loss"]) and info["steps"] > 0
    adapter = ADAPTERS.get(entry.family).load(path, CPU)
    assert sum(p.numel() for p in adapter.net.parameters()) == info["params"]
    assert adapter.frame_rate == FRAME_RATE


@pytest.mark.parametrize("name", VIDEO_ZOO)
def test_recipe_writes_weights_and_a_card_its_adapter_loads(name, tmp_path, monkeypatch):
    """Each recipe end to end, on tiny nets and 16 clips (the real ones take minutes)."""
    from benchbench.data.moving_digits import load_moving_digits

    family = ZOO[name].family
    clip = {"frames": FRAMES, "size": SIZE}
    if family == "videogan":
        config = {**TINY[family][1], **clip}
        monkeypatch.setattr(video_recipes, "VIDEOGAN_CONFIG", config)
        monkeypatch.setattr(video_recipes, "VIDEOGAN_CRITIC_CONFIG", {"width": 2, **clip})
    else:
        config = {
            **TINY[family][1],
            **clip,
            "tubelet": [2, 8, 8],
            "prediction_type": "v_prediction",
        }
        monkeypatch.setattr(video_recipes, "VIDEO_DIT_CONFIG", config)
    videos, digits, directions = load_moving_digits("test")
    monkeypatch.setattr(
        video_recipes,
        "load_moving_digits",
        lambda split: (videos[:64], digits[:64], directions[:64]),
    )
    rng_before = torch.get_rng_state()
    info = train(name, out_dir=tmp_path, seed=3, epochs=1)
    assert torch.equal(torch.get_rng_state(), rng_before), "recipes must not move the global RNG"
    assert card(name, tmp_path) == info and info["config"] == config
    assert (info["seed"], info["epochs"], info["data"]["n"]) == (3, 1, 64)
    assert info["steps"] == 64 // info["batch_size"] and math.isfinite(info["final_loss"])
    assert sha256_tree(weights_path(name, tmp_path)) == info["weights_sha256"]
    adapter = ADAPTERS.get(family).load(weights_path(name, tmp_path), CPU)
    params = {"steps": 2} if family == "video-diffusion" else {}
    assert adapter.sample(2, generator(0), **params).shape == (2, FRAMES, 1, SIZE, SIZE)
