"""Diffusion family: a denoising UNet run through a sampler for ``steps`` network passes.

Weights are a diffusers directory loaded with ``from_pretrained``: either a
``DDPMPipeline``-style folder with ``unet/`` and ``scheduler/`` subfolders, or a
``UNet2DModel`` folder (``config.json`` + weights) with an optional
``scheduler_config.json`` beside it. The number of steps is a parameter, so a suite
can sweep it and show the speed–quality trade that defines this family.

A UNet trained with class labels (``num_class_embeds`` in its config, the last class
meaning "no condition") samples the ``labels`` it is given, with classifier-free
guidance (Ho & Salimans 2022): noise = uncond + guidance · (cond − uncond), so guidance 0
ignores the label, 1 is the plain conditional model, and larger values trade diversity
for fidelity to the label. An unconditional UNet ignores labels — which is how a suite
shows that it cannot be steered, unless ``clip_guidance`` steers it towards each
sample's prompt text with a contrastive image–text model (see ``guidance``).

``threshold`` decides what happens to the clean-image estimate x̂_0 at each step.
diffusers' schedulers clip it to [-1, 1] when their config says ``clip_sample``, but
DDIM then still steps along the unclipped noise; at high guidance that noise points far
outside the data and the samples wash out. ``clip`` re-derives the noise from the
clipped x̂_0 (as GLIDE does; diffusers' ``use_clipped_model_output``), ``dynamic`` uses
Imagen's dynamic thresholding (Saharia et al. 2022) with the same re-derivation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field

from benchbench.adapters.base import (
    Adapter,
    DType,
    NoParams,
    ParamError,
    class_labels,
    diffusers_to,
    dtype_field,
    given_or_drawn_labels,
    seeded,
    torch_dtype,
)
from benchbench.adapters.guidance import NoisePredictor, TextImageNet, classifier_free, clip_guided
from benchbench.fieldtypes import Real, WholeNumber
from benchbench.hashing import sha256_tree, stable_hash

SCHEDULER_CONFIG = "scheduler_config.json"
DEFAULT_TRAIN_TIMESTEPS = 1000  # diffusers' DDPMScheduler default, used without a config
# Dynamic thresholding clips x̂_0 to ±s, s = the 99.5th percentile of |x̂_0| (at least 1,
# at most this), then divides by s.
DYNAMIC_THRESHOLD_MAX = 4.0


class SamplerParams(NoParams):
    """The knobs of diffusers' DDPM and DDIM samplers, shared by every diffusion adapter."""

    sampler: Literal["ddpm", "ddim"] = Field(
        default="ddim",
        description="ddpm: ancestral sampling (stochastic); ddim: deterministic when eta=0",
    )
    steps: WholeNumber = Field(
        default=50, ge=1, le=1000, description="denoising steps (network passes)"
    )
    eta: Real = Field(default=0.0, ge=0, le=1, description="DDIM noise scale (0 = deterministic)")


class DiffusionParams(SamplerParams):
    guidance: Real = Field(
        default=1.0,
        ge=0,
        le=50,
        description="classifier-free guidance scale for class-conditional UNets (1: plain "
        "conditional; ignored by unconditional ones)",
    )
    dtype: DType = dtype_field()
    threshold: Literal["scheduler", "clip", "dynamic"] = Field(
        default="scheduler",
        description="clean-image estimate per step: as the scheduler config says (DDIM "
        "clips it but steps along the raw noise), clip to [-1, 1] and re-derive the noise, "
        "or Imagen's dynamic thresholding (99.5th percentile, at most 4)",
    )
    clip_guidance: Real = Field(
        default=0.0,
        ge=0,
        description="CLIP guidance scale: steer each step towards the sample's prompt along "
        "the gradient of clip_model's image-text cosine (0: off; needs prompts)",
    )
    clip_model: str = Field(
        default="zoo:digits-clip",
        description="contrastive model for clip_guidance: zoo:NAME or a benchbench "
        "checkpoint with differentiable encode_images/encode_texts",
    )


class DiffusionAdapter(Adapter):
    """A diffusers ``UNet2DModel`` trained on images in [-1, 1] to predict the noise."""

    family = "diffusion"
    Params = DiffusionParams
    load_params = ("dtype",)

    def __init__(
        self,
        unet: torch.nn.Module,
        scheduler_config: dict,
        device: torch.device,
        dtype: str = "float32",
        steps: int = SamplerParams().steps,
    ):
        super().__init__(device)
        self.dtype = torch_dtype(dtype, device)
        self.unet = diffusers_to(unet, device, self.dtype).eval().requires_grad_(False)
        self.scheduler_config = dict(scheduler_config)
        self.steps = steps  # when ``sample`` is not told (a trainer's checkpoints use fewer)
        self._schedulers: dict[tuple[str, int, str], object] = {}
        self._clip_nets: dict[str, TextImageNet] = {}

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, dtype: str = "float32"
    ) -> DiffusionAdapter:
        from diffusers import DDPMScheduler, UNet2DModel

        unet_dir, scheduler_dir = _diffusers_layout(weights)
        # low_cpu_mem_usage=False: the fast path needs `accelerate`; without it diffusers warns.
        # Outside inference mode: CLIP guidance differentiates through the UNet's weights.
        with torch.inference_mode(False):
            unet = UNet2DModel.from_pretrained(unet_dir, low_cpu_mem_usage=False)
        if scheduler_dir is None:
            scheduler_config = DDPMScheduler().config  # diffusers' defaults: 1000 linear steps
        else:
            scheduler_config = DDPMScheduler.from_pretrained(scheduler_dir).config
        return cls(unet, scheduler_config, device, dtype)

    @classmethod
    def build(
        cls, config: dict[str, Any], device: torch.device, dtype: str = "float32"
    ) -> DiffusionAdapter:
        """``config``: a ``UNet2DModel`` config; the scheduler is diffusers' default DDPM."""
        from diffusers import DDPMScheduler, UNet2DModel

        unet = seeded(lambda: UNet2DModel(**config))
        return cls(unet, DDPMScheduler().config, device, dtype)

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        _diffusers_layout(weights)

    @classmethod
    def check_params(cls, weights: Path, params: dict[str, Any]) -> None:
        import json

        _, scheduler_dir = _diffusers_layout(weights)
        trained = DEFAULT_TRAIN_TIMESTEPS
        if scheduler_dir is not None:
            config = json.loads((scheduler_dir / SCHEDULER_CONFIG).read_text())
            trained = config.get("num_train_timesteps", DEFAULT_TRAIN_TIMESTEPS)
        check_steps(params.get("steps", SamplerParams().steps), trained)

    @classmethod
    def model_fingerprint(cls, weights: Path | None) -> str:
        unet_dir, scheduler_dir = _diffusers_layout(weights)
        parts = [sha256_tree(unet_dir)]
        if scheduler_dir is not None:
            parts.append(sha256_tree(scheduler_dir / SCHEDULER_CONFIG))
        return stable_hash(parts, length=64)

    def sample(
        self,
        n: int,
        generator: torch.Generator,
        sampler: str = "ddim",
        steps: int | None = None,
        eta: float = 0.0,
        guidance: float = 1.0,
        threshold: str = "scheduler",
        clip_guidance: float = 0.0,
        clip_model: str = "zoo:digits-clip",
        labels: torch.Tensor | None = None,
        prompts: list[str] | None = None,
    ) -> torch.Tensor:
        scheduler = self._scheduler(sampler, self.steps if steps is None else steps, threshold)
        config = self.unet.config
        shape = (n, config.in_channels, config.sample_size, config.sample_size)
        x = torch.randn(shape, generator=generator, device=self.device, dtype=self.dtype)
        step_kwargs = {}
        if sampler == "ddim":
            step_kwargs = {"eta": eta, "use_clipped_model_output": threshold != "scheduler"}
        predict = self._noise_predictor(n, labels, guidance)
        if clip_guidance > 0:
            if prompts is None or len(prompts) != n:
                raise ValueError(
                    f"clip_guidance needs one prompt per sample ({n}); set `prompts:` in the suite"
                )
            net = self._clip_net(clip_model)
            predict = clip_guided(predict, net, prompts, scheduler.alphas_cumprod, clip_guidance)
        x = denoise(scheduler, predict, x, generator, **step_kwargs)
        return (x / 2 + 0.5).clamp(0.0, 1.0)

    @property
    def null_class(self) -> int | None:
        """The "no condition" class of a class-conditional UNet (its last), else None."""
        classes = self.unet.config.get("num_class_embeds")
        return None if classes is None else classes - 1

    def _noise_predictor(
        self, n: int, labels: torch.Tensor | None, guidance: float
    ) -> NoisePredictor:
        """``(x, t) -> noise``: plain, or classifier-free guided towards ``labels`` (a
        class-conditional UNet without labels predicts with the null class)."""
        null = self.null_class
        if null is None:
            return lambda x, t: self.unet(x, t).sample
        if labels is None:
            return classifier_free(
                self.unet, torch.zeros(n, dtype=torch.long, device=self.device), null, 0.0
            )
        labels = class_labels(labels, n, null, self.device)
        return classifier_free(self.unet, labels, null, guidance)

    def _clip_net(self, spec: str) -> TextImageNet:
        """The contrastive model named ``spec``, loaded once, frozen."""
        from benchbench.extractors.clip import CheckpointEncoder, load_encoder

        if spec not in self._clip_nets:
            with torch.inference_mode(False):  # weights made in inference mode cannot be used
                encoder = load_encoder(spec, self.device)  # for gradients later
            if not isinstance(encoder, CheckpointEncoder):
                raise ValueError(
                    f"clip_model {spec!r}: CLIP guidance differentiates through the image "
                    "encoder, which needs a benchbench checkpoint (a transformers CLIP "
                    "directory goes through a non-differentiable image processor)"
                )
            self._clip_nets[spec] = encoder.net.eval().requires_grad_(False)
        return self._clip_nets[spec]

    def _scheduler(self, sampler: str, steps: int, threshold: str = "scheduler"):
        """A scheduler with its timesteps set, built once per (sampler, steps, threshold)."""
        key = (sampler, steps, threshold)
        if key not in self._schedulers:
            overrides = {
                "scheduler": {},
                "clip": {"clip_sample": True, "clip_sample_range": 1.0, "thresholding": False},
                "dynamic": {"thresholding": True, "sample_max_value": DYNAMIC_THRESHOLD_MAX},
            }[threshold]
            config = {**self.scheduler_config, **overrides}
            self._schedulers[key] = make_scheduler(config, sampler, steps, self.device)
        return self._schedulers[key]


def check_steps(steps: int, trained: int) -> None:
    """A sampler cannot take more steps than the schedule the model was trained on has;
    say so plainly (diffusers' own message names neither the model nor the fix)."""
    if steps > trained:
        raise ParamError(
            "steps",
            f"steps={steps}: this model was trained with {trained} diffusion steps; "
            f"sample with at most {trained}",
        )


def make_scheduler(config: dict[str, Any], sampler: str, steps: int, device: torch.device):
    """diffusers' DDIM or DDPM scheduler from a scheduler ``config``, with ``steps`` timesteps."""
    from diffusers import DDIMScheduler, DDPMScheduler

    scheduler_class = DDIMScheduler if sampler == "ddim" else DDPMScheduler
    scheduler = scheduler_class.from_config(config)
    scheduler.set_timesteps(steps, device=device)
    return scheduler


def trained_scheduler(net: Any, sampler: str, steps: int, device: torch.device):
    """``make_scheduler`` from a checkpoint net's own noise schedule (``net.schedule`` and
    ``net.scheduler_config()``); more steps than it was trained with is a clear error."""
    check_steps(steps, net.schedule["num_train_timesteps"])
    return make_scheduler(net.scheduler_config(), sampler, steps, device)


class ScheduledCheckpoint:
    """A diffusion adapter over a project checkpoint whose net carries its own noise
    schedule (config ``train_timesteps``): suite validation reads that from the file's
    header and refuses more steps than the model was trained with."""

    archs: ClassVar[tuple[str, ...]]
    Params = SamplerParams
    net: Any
    device: torch.device

    @classmethod
    def check_params(cls, weights: Path, params: dict[str, Any]) -> None:
        from benchbench.nets.checkpoint import check_checkpoint

        config = check_checkpoint(weights, cls.archs)
        check_steps(params.get("steps", SamplerParams().steps), config["train_timesteps"])

    def denoised(
        self,
        n: int,
        sample_shape: tuple[int, ...],
        generator: torch.Generator,
        sampler: str,
        steps: int,
        eta: float,
        labels: torch.Tensor | None,
    ) -> torch.Tensor:
        """``n`` samples of ``sample_shape`` for ``labels`` (drawn uniformly without them),
        denoised from pure noise in ``steps`` passes: the model's clean estimate, about
        [-1, 1], for the family to map to its output's range."""
        scheduler = trained_scheduler(self.net, sampler, steps, self.device)
        labels = given_or_drawn_labels(labels, n, self.net.num_classes, generator, self.device)
        noise = torch.randn((n, *sample_shape), generator=generator, device=self.device)
        step_kwargs = {"eta": eta} if sampler == "ddim" else {}
        return denoise(
            scheduler, lambda x, t: self.net(x, t, labels), noise, generator, **step_kwargs
        )


def denoise(
    scheduler: Any,
    predict: NoisePredictor,
    noise: torch.Tensor,
    generator: torch.Generator,
    **step_kwargs: Any,
) -> torch.Tensor:
    """The sampler loop: from pure ``noise``, one ``predict`` call (a network pass) and one
    scheduler step per timestep; the result is the model's clean estimate in [-1, 1]."""
    x = noise * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        x = scheduler.step(predict(x, t), t, x, generator=generator, **step_kwargs).prev_sample
    return x


def _diffusers_layout(weights: Path | None) -> tuple[Path, Path | None]:
    """(unet folder, scheduler folder or None) of a diffusers directory."""
    if weights is None or not weights.is_dir():
        raise FileNotFoundError(
            f"diffusion weights must be a diffusers directory (unet/ + scheduler/, or a "
            f"UNet2DModel folder with config.json); got {weights}"
        )
    if (weights / "unet").is_dir():
        scheduler_dir = weights / "scheduler"
        return weights / "unet", scheduler_dir if (
            scheduler_dir / SCHEDULER_CONFIG
        ).is_file() else None
    if (weights / "config.json").is_file():
        return weights, weights if (weights / SCHEDULER_CONFIG).is_file() else None
    raise FileNotFoundError(
        f"{weights} holds neither unet/ nor config.json: not a diffusers UNet2DModel directory"
    )
