"""``init: random``: full-size architectures from presets (their published sizes), tiny ones
built and sampled, suite validation, and cell keys that never collide with trained ones."""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters.architectures import PRESETS
from benchbench.run.plan import plan_cells
from benchbench.suite.load import load_suite
from benchbench.suite.problems import SuiteError
from tests.support.suites import noise_suite

CPU = torch.device("cpu")


def parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_full_size_presets_have_the_published_parameter_counts():
    """Built on the meta device (shapes only): SD-1.5's UNet 859,520,964, CLIP ViT-L/14's
    text encoder 123,060,480, the SD VAE 83,653,863, the DDPM CIFAR-10 UNet 35,746,307,
    GPT-2 small 124,439,808 and the DCGAN 64×64 generator 3,576,704 (model cards and the
    PyTorch DCGAN example)."""
    from diffusers import AutoencoderKL, UNet2DConditionModel, UNet2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, GPT2Config, GPT2LMHeadModel

    from benchbench.nets.dcgan64 import Generator64

    sd = PRESETS["sd15"].config
    dcgan = dict(PRESETS["dcgan-64"].config)
    dcgan.pop("arch")
    with torch.device("meta"):
        counts = {
            "unet": parameters(UNet2DConditionModel(**sd["unet"])),
            "text": parameters(CLIPTextModel(CLIPTextConfig(**sd["text_encoder"]))),
            "vae": parameters(AutoencoderKL(**sd["vae"])),
            "ddpm": parameters(UNet2DModel(**PRESETS["ddpm-cifar10"].config)),
            "gpt2": parameters(GPT2LMHeadModel(GPT2Config(**PRESETS["gpt2-small"].config))),
            "dcgan": parameters(Generator64(**dcgan)),
        }
    assert counts == {
        "unet": 859_520_964,
        "text": 123_060_480,
        "vae": 83_653_863,
        "ddpm": 35_746_307,
        "gpt2": 124_439_808,
        "dcgan": 3_576_704,
    }


@pytest.mark.parametrize("preset", ["ddpm-tiny", "dcgan-tiny"])
def test_tiny_presets_build_seeded_and_sample_images(preset):
    from benchbench.adapters import resolve_adapter

    adapter_class = resolve_adapter(PRESETS[preset].adapter)
    rng_before = torch.random.get_rng_state()
    first = adapter_class.build(PRESETS[preset].config, CPU)
    assert torch.equal(torch.random.get_rng_state(), rng_before)  # the caller's RNG untouched
    second = adapter_class.build(PRESETS[preset].config, CPU)
    for a, b in zip(first.networks(), second.networks(), strict=True):
        assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    params = {"steps": 2} if preset.startswith("ddpm") else {}
    images = first.sample(3, torch.Generator().manual_seed(0), **params)
    assert images.shape[0] == 3 and images.shape[1] == 3
    assert float(images.min()) >= 0 and float(images.max()) <= 1


def test_a_dtype_is_applied_when_loading():
    from benchbench.adapters.gan import GANAdapter

    adapter = GANAdapter.build(PRESETS["dcgan-tiny"].config, CPU, dtype="bfloat16")
    assert {p.dtype for p in adapter.net.parameters()} == {torch.bfloat16}
    assert adapter.sample(2, torch.Generator().manual_seed(0)).dtype == torch.bfloat16


def test_random_gpt2_generates_the_requested_number_of_tokens():
    from benchbench.adapters.text_hf import HFCausalLMAdapter

    adapter = HFCausalLMAdapter.build(PRESETS["gpt2-tiny"].config, CPU)
    batch = adapter.sample(
        2,
        torch.Generator().manual_seed(0),
        prompts=["Hello", "a longer prompt"],
        temperature=0.0,
        max_new_tokens=5,
    )
    assert batch.new_tokens == [5, 5] and len(batch.texts) == 2


def random_model(**overrides) -> dict:
    return {
        "name": "ddpm",
        "adapter": "diffusion",
        "init": "random",
        "config": "ddpm-tiny",
        "params": {"steps": 2},
        **overrides,
    }


def test_random_cells_have_their_own_keys(write_suite, tmp_path):
    from diffusers import UNet2DModel

    weights = tmp_path / "unet"
    with torch.random.fork_rng():
        torch.manual_seed(0)
        UNet2DModel(**PRESETS["ddpm-tiny"].config).save_pretrained(weights)
    trained = {
        "name": "ddpm",
        "adapter": "diffusion",
        "weights": str(weights),
        "params": {"steps": 2},
    }
    keys = {}
    for label, model in [
        ("trained", trained),
        ("random", random_model()),
        (
            "other-config",
            random_model(config={**PRESETS["ddpm-tiny"].config, "layers_per_block": 2}),
        ),
    ]:
        cells = plan_cells(load_suite(write_suite(noise_suite(models=[model]))), CPU)
        keys[label] = (cells[0].key, cells[0].model_fingerprint)
    assert len({k for k, _ in keys.values()}) == 3
    assert len({f for _, f in keys.values()}) == 3


@pytest.mark.parametrize(
    "model,suite_changes,message",
    [
        (random_model(weights="zoo:ddpm-digits"), {}, r"models\[0\]\.weights: init: random builds"),
        (random_model(config=None), {}, r"models\[0\]\.init: init: random needs `config`"),
        (
            random_model(config="ddpm-tiy"),
            {},
            r"no architecture preset 'ddpm-tiy'; did you mean 'ddpm-tiny'",
        ),
        (
            random_model(config="gpt2-tiny"),
            {},
            r"built by the 'hf-causal-lm' adapter, not 'diffusion'",
        ),
        (
            random_model(init="weights"),
            {},
            r"models\[0\]\.config: config describes a random-weight",
        ),
        (
            random_model(),
            {"metrics": ["fd"]},
            r"metrics: 'ddpm' has random weights .* list no metrics",
        ),
    ],
)
def test_random_init_mistakes_are_clear_errors(write_suite, model, suite_changes, message):
    with pytest.raises(SuiteError, match=message):
        load_suite(write_suite(noise_suite(models=[model], **suite_changes)))


def test_adapters_without_build_refuse_random_init(write_suite):
    from benchbench.adapters.text_ngram import NGramAdapter

    assert not NGramAdapter.can_build()
    suite = noise_suite(
        reference={"dataset": "prose", "split": "test"},
        models=[{"name": "ngram", "adapter": "ngram-lm", "init": "random", "config": {}}],
    )
    with pytest.raises(SuiteError, match="cannot build random weights"):
        load_suite(write_suite(suite))
