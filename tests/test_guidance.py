"""Guided diffusion sampling: pass counts of classifier-free guidance, x̂_0 thresholding
against the DDIM update written out by hand, and CLIP guidance against finite differences
(tiny random models) and, on the zoo models, against unguided sampling of the same model."""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters.diffusion import DiffusionAdapter
from benchbench.adapters.guidance import clip_guided
from benchbench.nets.checkpoint import save_checkpoint
from benchbench.nets.digits_clip import DigitsCLIP
from tests.support import REPO
from tests.support.image_models import tiny_unet

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def conditional_dir(tmp_path_factory):
    """A class-conditional UNet (classes 0-2, null class 3) with a cosine schedule."""
    from diffusers import DDPMScheduler

    root = tmp_path_factory.mktemp("cddpm")
    tiny_unet(num_class_embeds=4).save_pretrained(root / "unet")
    DDPMScheduler(num_train_timesteps=100, beta_schedule="squaredcos_cap_v2").save_pretrained(
        root / "scheduler"
    )
    return root


@pytest.mark.parametrize("guidance,passes", [(0.0, 1), (1.0, 1), (3.5, 2)])
@torch.inference_mode()
def test_guidance_runs_only_the_unet_passes_it_needs(conditional_dir, guidance, passes):
    """Guidance 0 is the unconditional prediction and 1 the conditional one: one UNet call
    per step of n samples; other scales batch both into one call of 2n."""
    adapter = DiffusionAdapter.load(conditional_dir, CPU)
    batches: list[int] = []
    adapter.unet.register_forward_hook(lambda module, args, out: batches.append(len(args[0])))
    labels = torch.tensor([0, 1, 2, 1])
    adapter.sample(4, torch.Generator().manual_seed(0), steps=3, guidance=guidance, labels=labels)
    assert batches == [4 * passes] * 3


def clean_estimate(x0: torch.Tensor, threshold: str) -> torch.Tensor:
    """x̂_0 clipped to [-1, 1], or dynamically thresholded (Imagen: s = the 99.5th
    percentile of |x̂_0| per sample, kept within [1, 4]; clip to ±s, divide by s)."""
    if threshold == "clip":
        return x0.clamp(-1.0, 1.0)
    s = torch.quantile(x0.abs().flatten(1), 0.995, dim=1).clamp(1.0, 4.0)[:, None, None, None]
    return torch.maximum(torch.minimum(x0, s), -s) / s


def hand_written_ddim(adapter, labels, steps, seed, threshold):
    """Deterministic DDIM with the noise re-derived from the thresholded x̂_0 (GLIDE)."""
    scheduler = adapter._scheduler("ddim", steps, threshold)
    alphas = scheduler.alphas_cumprod.double()
    x = torch.randn(len(labels), 1, 8, 8, generator=torch.Generator().manual_seed(seed)).double()
    stride = scheduler.config.num_train_timesteps // steps
    for t in scheduler.timesteps:
        noise = adapter.unet(x.float(), t, class_labels=labels).sample.double()
        a, prev = alphas[t], int(t) - stride
        a_prev = alphas[prev] if prev >= 0 else torch.tensor(1.0, dtype=torch.float64)
        x0 = clean_estimate((x - (1 - a).sqrt() * noise) / a.sqrt(), threshold)
        noise = (x - a.sqrt() * x0) / (1 - a).sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * noise
    return (x / 2 + 0.5).clamp(0.0, 1.0).float()


@pytest.mark.parametrize("threshold", ["clip", "dynamic"])
@torch.inference_mode()
def test_thresholds_equal_the_hand_written_ddim_update(conditional_dir, threshold):
    adapter = DiffusionAdapter.load(conditional_dir, CPU)
    labels = torch.tensor([0, 1, 2, 1])
    got = adapter.sample(
        4, torch.Generator().manual_seed(3), steps=4, threshold=threshold, labels=labels
    )
    expected = hand_written_ddim(adapter, labels, steps=4, seed=3, threshold=threshold)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)
    default = adapter.sample(4, torch.Generator().manual_seed(3), steps=4, labels=labels)
    assert not torch.allclose(got, default, atol=1e-3)  # the scheduler default steps otherwise


def tiny_clip() -> DigitsCLIP:
    torch.manual_seed(0)
    return DigitsCLIP(["one", "two", "digit"], embed_dim=4, width=4).eval()


def test_clip_guidance_step_is_the_finite_difference_gradient():
    """noise' − noise = −√(1 − ᾱ_t) · s · ∂/∂x_t Σ cos(E_I(x̂_0(x_t)), E_T(prompt)),
    compared with central differences in float64 on tiny random models."""
    torch.manual_seed(1)
    unet = torch.nn.Conv2d(1, 1, 3, padding=1).double()
    net = tiny_clip().double()
    prompts = ["digit one", "two"]
    alphas = torch.linspace(0.9, 0.2, 10, dtype=torch.float64)
    t = torch.tensor(4)
    scale = 3.0

    def predict(x, t):
        return unet(x)

    def objective(x):
        a = alphas[t]
        clean = (x - (1 - a).sqrt() * predict(x, t)) / a.sqrt()
        images = (clean / 2 + 0.5).clamp(0.0, 1.0)
        cos = torch.nn.functional.cosine_similarity(
            net.encode_images(images), net.encode_texts(prompts), dim=-1
        )
        return scale * float(cos.sum())

    x = 0.3 * torch.randn(2, 1, 16, 16, dtype=torch.float64)
    steered = clip_guided(predict, net, prompts, alphas, scale)(x, t)
    with torch.no_grad():
        shift = steered - predict(x, t)
        for _ in range(4):  # directional derivatives along random directions
            v = torch.randn_like(x)
            h = 1e-6
            derivative = (objective(x + h * v) - objective(x - h * v)) / (2 * h)
            along = float((shift * v).sum()) / -float((1 - alphas[t]).sqrt())
            assert abs(derivative) > 1e-3  # the check is not vacuous
            assert along == pytest.approx(derivative, rel=1e-5, abs=1e-7)


@torch.inference_mode()
def test_clip_guidance_in_the_adapter(tmp_path):
    """Under inference mode (as the runner samples), from a checkpoint path; it needs prompts."""
    net = tiny_clip()
    config = {"vocabulary": ["one", "two", "digit"], "embed_dim": 4, "width": 4}
    path = save_checkpoint(tmp_path / "clip.pt", net, "digits-clip", config)
    tiny_unet(sample_size=16).save_pretrained(tmp_path / "unet")  # digits-CLIP reads 16×16
    adapter = DiffusionAdapter.load(tmp_path / "unet", CPU)
    prompts = ["digit one", "two", "one"]

    def draw(**params):
        return adapter.sample(3, torch.Generator().manual_seed(0), steps=3, **params)

    guided = draw(clip_guidance=50.0, clip_model=str(path), prompts=prompts)
    assert guided.shape == (3, 1, 16, 16)
    assert not torch.allclose(guided, draw(prompts=prompts), atol=1e-3)
    with pytest.raises(ValueError, match="clip_guidance needs one prompt per sample"):
        draw(clip_guidance=1.0, clip_model=str(path))


def test_clip_guidance_raises_clip_score_and_accuracy_of_the_zoo_ddpm():
    """The unconditional zoo DDPM, same seed, with and without CLIP guidance: the CLIP score
    (by the digits-CLIP it was steered with: optimistic) and the conditional accuracy (by
    the independent digits-CNN) both rise, their 95% intervals apart."""
    from benchbench.extractors.clip import load_encoder
    from benchbench.metrics.features.conditional import conditional_accuracy
    from benchbench.metrics.image.clip_score import clip_score
    from benchbench.metrics.stats import BootstrapSpec
    from benchbench.nets.checkpoint import load_checkpoint
    from benchbench.suite.prompts import load_prompts, prompts_for
    from benchbench.zoo import weights_path

    asked = prompts_for(load_prompts(REPO / "suites/prompts/digits.txt"), 0, 100)
    texts, labels = [p.text for p in asked], [p.label for p in asked]
    adapter = DiffusionAdapter.load(weights_path("ddpm-digits"), CPU)
    encoder = load_encoder("zoo:digits-clip")
    classifier = load_checkpoint(weights_path("digits-cnn")).build()
    spec = BootstrapSpec(resamples=500, confidence=0.95, seed=0)

    def scores(scale: float):
        with torch.inference_mode():
            images = adapter.sample(
                100,
                torch.Generator().manual_seed(0),
                "ddim",
                10,
                threshold="clip",
                clip_guidance=scale,
                prompts=texts,
            )
            logits = classifier(images).numpy()
        accuracy = conditional_accuracy(logits, torch.tensor(labels).numpy(), {"name": "cnn"}, spec)
        return clip_score(encoder, images, texts, spec), accuracy

    (clip_plain, accuracy_plain), (clip_guided_, accuracy_guided) = scores(0.0), scores(30.0)
    assert clip_guided_.ci_low > clip_plain.ci_high
    assert accuracy_guided.ci_low > accuracy_plain.ci_high


def test_shipped_text2image_suite_validates():
    """Every model's weights ship and every swept parameter is declared (10 cells)."""
    from benchbench.run.plan import plan_cells
    from benchbench.suite.load import load_suite

    cells = plan_cells(load_suite(REPO / "suites/text2image.yaml"), torch.device("cpu"))
    assert len(cells) == 10
    assert {c.model.name for c in cells} == {"cddpm", "cddpm-raw", "ddpm", "cgan", "dcgan"}
