"""Adapters load real formats: diffusers directories via from_pretrained, benchbench checkpoints
(weights_only=True), each tested with tiny randomly initialised models saved to a temp dir."""

from __future__ import annotations

import pickle

import pytest
import torch

from benchbench.adapters.autoregressive import AutoregressiveAdapter
from benchbench.adapters.diffusion import DiffusionAdapter
from benchbench.adapters.gan import GANAdapter, truncated_normal_
from benchbench.adapters.vae import VAEAdapter
from benchbench.nets.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.image_models import tiny_unet
from tests.support.suites import noise_suite

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory):
    """A DDPMPipeline-style folder: unet/ and scheduler/, as diffusers' save_pretrained writes."""
    from diffusers import DDPMScheduler

    root = tmp_path_factory.mktemp("ddpm")
    tiny_unet().save_pretrained(root / "unet")
    DDPMScheduler(num_train_timesteps=100, beta_schedule="squaredcos_cap_v2").save_pretrained(
        root / "scheduler"
    )
    return root


@pytest.mark.parametrize("sampler,steps", [("ddim", 4), ("ddpm", 3)])
@torch.inference_mode()
def test_diffusers_directory_loads_and_samples(pipeline_dir, sampler, steps):
    adapter = DiffusionAdapter.load(pipeline_dir, CPU)
    assert (
        adapter.scheduler_config["num_train_timesteps"] == 100
    )  # read from scheduler/, not defaults
    calls = []
    adapter.unet.register_forward_hook(lambda *args: calls.append(1))
    out = adapter.sample(3, torch.Generator().manual_seed(0), sampler=sampler, steps=steps)
    assert out.shape == (3, 1, 8, 8) and float(out.min()) >= 0 and float(out.max()) <= 1
    assert len(calls) == steps  # one network pass per step: the speed–quality knob
    again = adapter.sample(3, torch.Generator().manual_seed(0), sampler=sampler, steps=steps)
    assert torch.equal(out, again)


def test_bare_unet_folder_and_fingerprint(pipeline_dir, tmp_path):
    tiny_unet().save_pretrained(tmp_path / "unet_only")
    adapter = DiffusionAdapter.load(tmp_path / "unet_only", CPU)
    assert adapter.scheduler_config["num_train_timesteps"] == 1000  # diffusers' default schedule
    first = DiffusionAdapter.model_fingerprint(pipeline_dir)
    assert first == DiffusionAdapter.model_fingerprint(pipeline_dir)
    assert first != DiffusionAdapter.model_fingerprint(tmp_path / "unet_only")
    with pytest.raises(FileNotFoundError, match="not a diffusers UNet2DModel directory"):
        DiffusionAdapter.load(tmp_path, CPU)


def test_diffusion_suite_runs_from_a_local_directory(pipeline_dir, write_suite, tmp_path):
    models = [
        {
            "name": "tiny",
            "adapter": "diffusion",
            "weights": str(pipeline_dir),
            "params": {"steps": [2, 4]},
        }
    ]
    loaded = load_suite(write_suite(noise_suite(models=models)))
    with Store(tmp_path / "b.duckdb") as store:
        result = run_suite(loaded, store)
        assert (result.executed, result.failed) == (2, 0)
        fingerprints = set(store.query("SELECT model_fingerprint FROM cells")["model_fingerprint"])
    assert fingerprints == {DiffusionAdapter.model_fingerprint(pipeline_dir)}


def test_checkpoints_load_with_weights_only(tmp_path):
    """A pickle that would run code is refused: torch.load(weights_only=True) is the only reader."""

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    with open(path, "wb") as handle:
        pickle.dump({"format": "benchbench.checkpoint/1", "arch": Evil()}, handle, protocol=2)
    with pytest.raises(CheckpointError, match="weights_only=True"):
        load_checkpoint(path)
    torch.save({"not": "ours"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match=r"not a benchbench\.checkpoint/1 checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_truncation_keeps_latents_within_bound():
    generator = torch.Generator().manual_seed(0)
    z = truncated_normal_(torch.randn(1000, 8, generator=generator), 0.5, generator)
    assert float(z.abs().max()) <= 0.5
    assert float(z.std()) < 0.35  # narrower than the unit normal


@pytest.mark.parametrize(
    "adapter_class,arch,config,params",
    [
        (GANAdapter, "dcgan-generator", {"z_dim": 4, "width": 8}, {"truncation": 1.0}),
        (VAEAdapter, "vae", {"latent_dim": 4, "width": 8}, {"temperature": 0.8}),
        (
            AutoregressiveAdapter,
            "gated-pixelcnn",
            {"levels": 4, "channels": 8, "layers": 2},
            {"temperature": 1.0},
        ),
    ],
)
def test_checkpoint_adapters_round_trip_tiny_random_nets(
    tmp_path, adapter_class, arch, config, params
):
    from benchbench.nets import NETS

    net_class = NETS.get(arch)
    torch.manual_seed(0)
    net = net_class(**config)
    path = save_checkpoint(tmp_path / f"{arch}.pt", net, arch, config)
    adapter = adapter_class.load(path, CPU)
    with torch.inference_mode():  # as the runner calls sample
        out = adapter.sample(2, torch.Generator().manual_seed(1), **params)
        again = adapter.sample(2, torch.Generator().manual_seed(1), **params)
    assert out.shape[0] == 2 and out.shape[1] == 1
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert torch.equal(out, again)


@pytest.fixture(scope="module")
def conditional_dir(tmp_path_factory):
    """A class-conditional UNet: classes 0-2 and the null class 3."""
    from diffusers import DDPMScheduler

    root = tmp_path_factory.mktemp("cddpm")
    tiny_unet(num_class_embeds=4).save_pretrained(root / "unet")
    DDPMScheduler(num_train_timesteps=100).save_pretrained(root / "scheduler")
    return root


def reference_guided_ddim(adapter, labels, guidance, steps, seed):
    """The guided DDIM loop written out: two separate UNet passes per step."""
    from diffusers import DDIMScheduler

    scheduler = DDIMScheduler.from_config(adapter.scheduler_config)
    scheduler.set_timesteps(steps)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(len(labels), 1, 8, 8, generator=generator)
    null = torch.full_like(labels, adapter.null_class)
    for t in scheduler.timesteps:
        cond = adapter.unet(x, t, class_labels=labels).sample
        uncond = adapter.unet(x, t, class_labels=null).sample
        x = scheduler.step(uncond + guidance * (cond - uncond), t, x, eta=0.0).prev_sample
    return (x / 2 + 0.5).clamp(0.0, 1.0)


@pytest.mark.parametrize("guidance", [0.0, 1.0, 3.5])
@torch.inference_mode()
def test_classifier_free_guidance_equals_the_written_out_loop(conditional_dir, guidance):
    adapter = DiffusionAdapter.load(conditional_dir, CPU)
    assert adapter.null_class == 3
    labels = torch.tensor([0, 1, 2, 1])
    got = adapter.sample(
        4, torch.Generator().manual_seed(5), steps=3, guidance=guidance, labels=labels
    )
    expected = reference_guided_ddim(adapter, labels, guidance, steps=3, seed=5)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


@torch.inference_mode()
def test_labels_steer_a_conditional_unet_but_not_an_unconditional_one(
    conditional_dir, pipeline_dir
):
    conditional = DiffusionAdapter.load(conditional_dir, CPU)
    unconditional = DiffusionAdapter.load(pipeline_dir, CPU)

    def draw(adapter, labels):
        return adapter.sample(3, torch.Generator().manual_seed(1), steps=2, labels=labels)

    zeros, twos = torch.zeros(3, dtype=torch.long), torch.full((3,), 2)
    assert not torch.equal(draw(conditional, zeros), draw(conditional, twos))
    assert unconditional.null_class is None
    assert torch.equal(draw(unconditional, zeros), draw(unconditional, None))
    with pytest.raises(ValueError, match=r"3 class indices in 0\.\.2"):
        draw(conditional, torch.tensor([0, 1, 3]))
