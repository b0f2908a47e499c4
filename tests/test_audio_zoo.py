"""The audio zoo's generators (WaveNet, WaveGAN, DiffWave): nets, adapters, recipes and shipped
weights. Adapters are tested on tiny random nets saved as benchbench checkpoints to a temp dir."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from benchbench.adapters import ADAPTERS
from benchbench.adapters.base import seeded
from benchbench.data.spoken_digits import CLIP_SAMPLES, SAMPLE_RATE
from benchbench.hashing import sha256_tree
from benchbench.nets import NETS
from benchbench.nets.audio.wavegan import phase_shuffle
from benchbench.nets.audio.wavenet import WaveNet, mu_law_decode, mu_law_encode
from benchbench.nets.checkpoint import CheckpointError, save_checkpoint
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from benchbench.train import audio_recipes, train
from benchbench.train.grids import generative_names
from benchbench.trainers import audio as audio_trainers
from benchbench.zoo import ZOO, card, weights_path

CPU = torch.device("cpu")
AUDIO_ZOO = [n for n, e in ZOO.items() if e.recipe.startswith("benchbench.train.audio_recipes:")]
GENERATORS = ["wavenet", "wavegan", "diffwave"]  # adapter names, also the zoo entries' family
# adapter -> (registered net, a tiny config of it)
TINY = {
    "wavenet": (
        "wavenet",
        {
            "channels": 8,
            "skip_channels": 8,
            "stacks": 2,
            "layers_per_stack": 3,  # receptive field 15: the 64-sample clip goes well beyond it
            "cond_dim": 4,
            "clock_bins": 4,
            "clip_samples": 64,
        },
    ),
    "wavegan": ("wavegan-generator", {"z_dim": 8, "width": 2, "clip_samples": 256}),
    "diffwave": (
        "diffwave",
        {
            "channels": 8,
            "layers": 3,
            "dilation_cycle": 3,
            "step_dim": 8,
            "cond_dim": 4,
            "clock_bins": 4,
            "clip_samples": 64,
            "train_timesteps": 50,
        },
    ),
}


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def tiny_net(adapter: str) -> torch.nn.Module:
    arch, config = TINY[adapter]
    net = seeded(lambda: NETS.get(arch)(**config))
    if adapter == "diffwave":  # its last layer starts at zero: give the labels an effect
        torch.nn.init.normal_(net.head[-1].weight, std=0.5, generator=generator(1))
    return net


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("audio-zoo")
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
def test_samples_are_mono_waveforms_in_range_at_the_nets_rate(name, checkpoints):
    adapter = load(name, checkpoints)
    clips = adapter.sample(3, generator(0))
    samples = TINY[name][1]["clip_samples"]
    assert adapter.output == "audio" and adapter.sample_rate == SAMPLE_RATE
    assert clips.shape == (3, 1, samples) and clips.dtype == torch.float32
    assert torch.isfinite(clips).all() and clips.abs().max() <= 1.0
    assert not clips.requires_grad
    assert clips.std() > 0  # not silence


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
    assert not torch.equal(threes, fives)
    # Without labels the adapter draws them uniformly from its generator (the GAN adapter
    # after the latent, the others first) and samples with them.
    drawing = generator(0)
    if name == "wavegan":
        torch.randn(4, adapter.net.z_dim, generator=drawing)  # its latent
    drawn = torch.randint(10, (4,), generator=drawing)
    given = adapter.sample(4, generator(0) if name == "wavegan" else drawing, labels=drawn)
    assert torch.equal(adapter.sample(4, generator(0)), given)
    assert adapter.accepts("labels")
    with pytest.raises(ValueError, match=r"labels must be 4 class indices in 0\.\.9"):
        adapter.sample(4, generator(0), labels=torch.full((4,), 10))


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_wavenet_naive_and_cached_samplers_draw_the_same_clips(temperature, checkpoints):
    adapter = load("wavenet", checkpoints)
    passes = count_calls(adapter.net)
    labels = torch.tensor([0, 4, 9])
    naive = adapter.sample(3, generator(5), "naive", temperature, labels=labels)
    naive_passes = passes()
    cached = adapter.sample(3, generator(5), "cached", temperature, labels=labels)
    assert torch.equal(naive, cached)
    # Different computations: one full pass per sample, against none (per-layer steps).
    assert (naive_passes, passes() - naive_passes) == (TINY["wavenet"][1]["clip_samples"], 0)


def test_wavenet_logits_depend_only_on_earlier_samples():
    net = tiny_net("wavenet").eval()
    inputs = torch.randint(0, 256, (2, 40), generator=generator(0))
    labels = torch.tensor([1, 2])
    with torch.no_grad():
        base = net(inputs, labels)
        for position in (0, 13, 39):
            changed = inputs.clone()
            changed[:, position] = (changed[:, position] + 128) % 256
            logits = net(changed, labels)
            assert torch.allclose(logits[..., :position], base[..., :position], atol=1e-6)
            assert not torch.allclose(logits[..., position], base[..., position])


def test_wavenet_rejects_a_non_positive_temperature():
    with pytest.raises(ValueError, match="temperature must be positive"):
        tiny_net("wavenet").sample(1, generator(0), torch.tensor([0]), temperature=0.0)


def test_mu_law_codes_round_trip_and_silence_is_the_start_code():
    codes = torch.arange(256)
    waveforms = mu_law_decode(codes)
    assert waveforms.min() >= -1.0 and waveforms.max() <= 1.0
    assert (waveforms.diff() > 0).all()
    assert torch.equal(mu_law_encode(waveforms), codes)
    assert mu_law_encode(torch.zeros(1)).item() == WaveNet().start_code == 128
    x = torch.linspace(-1, 1, 1001)
    # µ-law's step is finest near silence: 8 bits keep small amplitudes within 1e-3.
    quiet = x.abs() < 0.05
    assert (mu_law_decode(mu_law_encode(x))[quiet] - x[quiet]).abs().max() < 1e-3


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 3), ("ddim", 7), ("ddpm", 5)])
def test_diffwave_makes_one_network_pass_per_step(sampler, steps, checkpoints):
    adapter = load("diffwave", checkpoints)
    passes = count_calls(adapter.net)
    adapter.sample(2, generator(0), sampler, steps)
    assert passes() == steps


def test_diffwave_ddim_is_deterministic_given_the_noise_and_steps_change_it(checkpoints):
    adapter = load("diffwave", checkpoints)
    three = adapter.sample(2, generator(0), "ddim", 3)
    assert not torch.equal(three, adapter.sample(2, generator(0), "ddim", 10))
    assert not torch.equal(three, adapter.sample(2, generator(0), "ddpm", 3))


def test_diffwave_refuses_more_steps_than_it_was_trained_with(checkpoints):
    with pytest.raises(ValueError, match="steps=60: this model was trained with 50"):
        load("diffwave", checkpoints).sample(1, generator(0), "ddim", 60)


def test_phase_shuffle_shifts_each_example_within_its_reach_by_reflection():
    x = torch.arange(12.0).repeat(64, 3, 1)  # [64, 3, 12]
    shuffled = phase_shuffle(x, 2, generator(0))
    reflected = torch.nn.functional.pad(x[:1], (2, 2), mode="reflect")[0, 0]
    shifts = set()
    for row in shuffled:
        assert torch.equal(row[0], row[1]) and torch.equal(row[0], row[2])  # channels move together
        start = [k for k in range(5) if torch.equal(reflected[k : k + 12], row[0])]
        assert len(start) == 1
        shifts.add(2 - start[0])
    assert shifts == {-2, -1, 0, 1, 2}
    assert torch.equal(phase_shuffle(x, 0, generator(0)), x)


AUDIO_SUITE = """\
name: audio-params
reference:
  dataset: spoken-digits
  split: test
features: digits-cnn
metrics: []
sampling:
  num_samples: 4
  batch_size: 2
models:
  - name: wavenet
    adapter: wavenet
    weights: {wavenet}
    params:
      sampler: [cached, fast]
      temperature: 0
  - name: wavegan
    adapter: wavegan
    weights: {wavegan}
    params:
      truncation: -1
  - name: diffwave
    adapter: diffwave
    weights: {diffwave}
    params:
      sampler: euler
      steps: [10, 0]
      guidance: 2
"""


def test_bad_params_are_suite_errors_with_file_line_and_field(write_suite, checkpoints):
    path = write_suite(AUDIO_SUITE.format(**checkpoints))
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    found = {str(p).removeprefix(f"{path}:") for p in info.value.problems}
    expected = {
        "15: models[0].params.sampler": "'naive' or 'cached' (got 'fast')",
        "16: models[0].params.temperature": "greater than 0",
        "21: models[1].params.truncation": "greater than 0",
        "26: models[2].params.sampler": "'ddpm' or 'ddim'",
        "27: models[2].params.steps": "greater than or equal to 1 (got 0)",
        "28: models[2].params.guidance": "unknown field 'guidance' (allowed: sampler, steps, eta)",
    }
    for where, fragment in expected.items():
        assert any(p.startswith(where) and fragment in p for p in found), (where, found)
    assert len(found) == len(expected), found


def test_the_same_suite_with_valid_params_validates(write_suite, checkpoints):
    valid = (
        AUDIO_SUITE.format(**checkpoints)
        .replace("[cached, fast]", "[cached, naive]")
        .replace("temperature: 0", "temperature: 0.8")
        .replace("truncation: -1", "truncation: 2")
        .replace("sampler: euler", "sampler: ddpm")
        .replace("[10, 0]", "[10, 20]")
        .replace("      guidance: 2\n", "")
    )
    assert [m.name for m in load_suite(write_suite(valid)).suite.models] == GENERATORS


def test_check_weights_refuses_files_that_are_not_the_adapters_network(tmp_path, checkpoints):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00not a checkpoint" * 10)
    for name in GENERATORS:
        with pytest.raises(CheckpointError, match="cannot read"):
            ADAPTERS.get(name).check_weights(garbage)
    # A valid checkpoint of another network is still the wrong file, before and at load.
    wavenet, wavegan = ADAPTERS.get("wavenet"), ADAPTERS.get("wavegan")
    message = "holds a 'wavegan-generator' network; expected 'wavenet'"
    with pytest.raises(CheckpointError, match=message):
        wavenet.check_weights(checkpoints["wavegan"])
    with pytest.raises(CheckpointError, match=message):
        wavenet.load(checkpoints["wavegan"], CPU)
    with pytest.raises(CheckpointError, match="expected 'wavegan-generator'"):
        wavegan.check_weights(checkpoints["diffwave"])
    wavenet.check_weights(checkpoints["wavenet"])  # the right file passes


def test_audio_models_are_not_image_generators():
    # The image zoo's grids and tests sample every "generative" entry as 16x16 images.
    assert not set(AUDIO_ZOO) & set(generative_names())
    assert {ZOO[n].family for n in AUDIO_ZOO} >= set(GENERATORS)


@pytest.mark.parametrize("name", [n for n in AUDIO_ZOO if ZOO[n].family in GENERATORS])
def test_shipped_card_matches_its_weights(name):
    entry, info = ZOO[name], card(name)
    path = weights_path(name)
    assert (info["name"], info["family"], info["recipe"]) == (name, entry.family, entry.recipe)
    assert sha256_tree(path) == info["weights_sha256"]
    assert path.stat().st_size == info["weights_bytes"] < 5 * 2**20
    assert info["data"] == {
        "dataset": "spoken-digits",
        "split": "train",
        "sample_rate": SAMPLE_RATE,
        "clip_samples": CLIP_SAMPLES,
        "n": 1442,
    }
    assert math.isfinite(info["final_loss"]) and info["steps"] > 0
    adapter = ADAPTERS.get(entry.family).load(path, CPU)
    assert sum(p.numel() for p in adapter.net.parameters()) == info["params"]
    assert adapter.sample_rate == SAMPLE_RATE


@pytest.mark.parametrize("name", [n for n in AUDIO_ZOO if ZOO[n].family in GENERATORS])
def test_recipe_writes_weights_and_a_card_its_adapter_loads(name, tmp_path, monkeypatch):
    """Each recipe end to end, on tiny nets and 16 clips (the real ones take minutes)."""
    from benchbench.data.spoken_digits import load_spoken_digits

    family = ZOO[name].family
    config = {**TINY[family][1], "clip_samples": CLIP_SAMPLES}
    if family == "wavenet":
        config["clock_bins"] = 16
        monkeypatch.setattr(audio_trainers, "WAVENET_CONFIG", config)
    elif family == "wavegan":
        critic = {"width": 2, "clip_samples": CLIP_SAMPLES}
        monkeypatch.setattr(audio_trainers, "WAVEGAN_CONFIG", config)
        monkeypatch.setattr(audio_trainers, "WAVEGAN_CRITIC_CONFIG", critic)
    else:
        config["clock_bins"] = 16
        monkeypatch.setattr(audio_trainers, "DIFFWAVE_CONFIG", config)
    clips, labels = load_spoken_digits("train")
    for module in (audio_recipes, audio_trainers):
        monkeypatch.setattr(module, "load_spoken_digits", lambda split: (clips[:32], labels[:32]))
    rng_before = torch.get_rng_state()
    info = train(name, out_dir=tmp_path, seed=3, epochs=1)
    assert torch.equal(torch.get_rng_state(), rng_before), "recipes must not move the global RNG"
    assert card(name, tmp_path) == info and info["config"] == config
    assert (info["seed"], info["epochs"], info["data"]["n"]) == (3, 1, 32)
    assert info["steps"] == 32 // info["batch_size"] and math.isfinite(info["final_loss"])
    assert sha256_tree(weights_path(name, tmp_path)) == info["weights_sha256"]
    adapter = ADAPTERS.get(family).load(weights_path(name, tmp_path), CPU)
    params = {"steps": 2} if family == "diffwave" else {}
    if family != "wavenet":  # 4,096 sequential steps: the sampler tests above cover it
        assert adapter.sample(2, generator(0), **params).shape == (2, 1, CLIP_SAMPLES)
