"""The adapter protocol: how benchbench loads a model of any family and samples from it.

An adapter is the only place that knows a family's quirks (a GAN draws a latent, a
diffusion model runs a sampler loop). Everything downstream sees one form per output
kind (the adapter's ``output``, see ``benchbench.outputs``): image batches as float
tensors in [0, 1], NCHW; text as a ``TextBatch`` (``benchbench.adapters.text_base``).
Knobs a suite may sweep are declared as a pydantic ``Params`` model, so a typo or a
wrong type in a suite is caught before anything runs, with the file and line.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import torch
from pydantic import BaseModel, ConfigDict, Field

from benchbench.hashing import sha256_tree


class NoParams(BaseModel):
    """For models without sweepable knobs."""

    model_config = ConfigDict(extra="forbid", frozen=True)


DType = Literal["auto", "float32", "float16", "bfloat16"]
T = TypeVar("T")


def torch_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto`` is float16 on CUDA (what GPU benchmarks run) and float32 elsewhere."""
    if name == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return getattr(torch, name)


def diffusers_to(module: Any, device: torch.device, dtype: torch.dtype) -> Any:
    """A diffusers model or pipeline on ``device`` in ``dtype``, cast only when the dtype
    changes: diffusers warns on every dtype cast, even a no-op one."""
    if module.dtype != dtype:
        module = module.to(dtype=dtype)
    return module.to(device)


def dtype_field(default: DType = "float32") -> Any:
    return Field(
        default=default,
        description="weights and activations (auto: float16 on CUDA, float32 elsewhere); "
        "set when the model is loaded, so peak memory never holds a float32 copy",
    )


def seeded(build: Callable[[], T], seed: int = 0) -> T:
    """``build()`` with the global RNGs at ``seed`` and restored afterwards: random
    weights that are the same on every machine (built on the CPU), whatever the caller's
    RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


class ParamError(ValueError):
    """A parameter value that the loaded weights cannot run, naming the parameter, so that
    a suite's check points at its line."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


class Adapter(ABC):
    """A loaded model that can ``sample``; subclasses exist per family.

    Subclasses set ``family`` and ``Params`` and implement ``load`` and ``sample``.
    ``weights`` is a resolved local path (file or directory), or ``None`` for models
    that need none. Params named in ``load_params`` (e.g. ``dtype``) are given to
    ``load``/``build`` instead of ``sample``. Families that can time a full-size
    architecture without weights implement ``build`` (``init: random`` in a suite).
    """

    family: ClassVar[str]
    output: ClassVar[str] = "image"  # the output kind (``benchbench.outputs``) of its samples
    Params: ClassVar[type[BaseModel]] = NoParams
    requires_weights: ClassVar[bool] = True
    load_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, device: torch.device):
        self.device = device

    @classmethod
    @abstractmethod
    def load(cls, weights: Path | None, device: torch.device) -> Adapter:
        """Read the model from ``weights`` and move it to ``device``, ready to sample."""

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        """Raise ``ValueError`` or ``OSError`` saying why ``weights`` cannot be this family's.
        Suite validation calls it before any cell runs, so it reads layouts and headers,
        never the model itself (which ``load`` then reads once). By default nothing is
        checked: the family's ``load`` reports what it cannot read, as a failed cell."""
        return None

    @classmethod
    def check_params(cls, weights: Path, params: dict[str, Any]) -> None:
        """Raise ``ParamError`` (or ``ValueError``) saying why ``params`` (one sweep
        combination) cannot run on ``weights``, e.g. more denoising steps than the model was
        trained with. Suite
        validation calls it after ``check_weights``, so it too reads headers only. By
        default every combination fits."""
        return None

    @classmethod
    def build(cls, config: dict[str, Any], device: torch.device, **load_params: Any) -> Adapter:
        """The architecture described by ``config`` with seeded random weights (see
        ``benchbench.adapters.architectures``): speed and memory of full-size models, no
        download."""
        raise NotImplementedError(f"the {cls.family} adapter cannot build random weights")

    @classmethod
    def can_build(cls) -> bool:
        return cls.build.__func__ is not Adapter.build.__func__

    @abstractmethod
    def sample(self, n: int, generator: torch.Generator, **params: Any) -> Any:
        """``n`` samples drawn with ``generator`` (on ``self.device``), in the form the
        adapter's ``output`` kind checks: for ``image`` a float tensor in [0, 1], NCHW; for
        ``text`` a ``TextBatch``. Each family's override narrows the return type."""

    def networks(self) -> list[torch.nn.Module]:
        """The torch modules a sampling call runs (the roofline counts their work)."""
        return [v for v in vars(self).values() if isinstance(v, torch.nn.Module)]

    def accepts(self, name: str) -> bool:
        """Whether ``sample`` takes the input ``name`` (e.g. ``labels``): a conditional
        suite asks every model for the same classes, and models without the input ignore
        them — which is how a suite shows that an unconditional model cannot be steered."""
        return name in inspect.signature(self.sample).parameters

    @classmethod
    def model_fingerprint(cls, weights: Path | None) -> str:
        """Content hash of what defines the model; part of every stored cell's key."""
        if weights is None:
            return "none"
        return sha256_tree(weights)


def class_labels(labels: torch.Tensor, n: int, classes: int, device: torch.device) -> torch.Tensor:
    """``labels`` as ``n`` class indices on ``device``; anything else is a clear error."""
    labels = torch.as_tensor(labels, device=device).long()
    if labels.shape != (n,) or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must be {n} class indices in 0..{classes - 1}")
    return labels


def given_or_drawn_labels(
    labels: torch.Tensor | None,
    n: int,
    classes: int,
    generator: torch.Generator,
    device: torch.device,
) -> torch.Tensor:
    """The ``labels`` a class-conditional model was given (checked), or ``n`` classes drawn
    uniformly with ``generator`` when none were: it then samples the whole data distribution."""
    if labels is None:
        return torch.randint(classes, (n,), generator=generator, device=device)
    return class_labels(labels, n, classes, device)


class LatentVariableModel(ABC):
    """Capability: a model with an explicit latent space (VAE), for smoothness metrics."""

    latent_dim: int

    @abstractmethod
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Latent codes (the posterior mean) of images in [0, 1]."""

    @abstractmethod
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] from latent codes."""


class Waveforms:
    """Capability: an adapter whose samples are audio, float32 waveforms in [-1, 1] shaped
    ``[N, channels, samples]``, at the rate its network was trained on (``net.sample_rate``)."""

    output: ClassVar[str] = "audio"
    net: torch.nn.Module

    @property
    def sample_rate(self) -> int:
        """Samples per second of every waveform ``sample`` returns."""
        return int(self.net.sample_rate)


class Videos:
    """Capability: an adapter whose samples are video, float32 clips in [0, 1] shaped
    ``[N, frames, channels, H, W]``, at the frame rate its network was trained on
    (``net.frame_rate``)."""

    output: ClassVar[str] = "video"
    net: torch.nn.Module

    @property
    def frame_rate(self) -> int:
        """Frames per second of every clip ``sample`` returns."""
        return int(self.net.frame_rate)


class CheckpointAdapter(Adapter):
    """An adapter whose weights are one benchbench checkpoint (see ``benchbench.nets.checkpoint``);
    ``build`` makes a registered net (``{"arch": NAME, **its arguments}``) with random weights.
    ``archs`` names the registered nets it can sample (empty: any)."""

    archs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, net: torch.nn.Module, device: torch.device, dtype: str = "float32"):
        super().__init__(device)
        self.dtype = torch_dtype(dtype, device)
        self.net = net.to(device, self.dtype).eval().requires_grad_(False)  # sampling only

    @classmethod
    def load(
        cls, weights: Path | None, device: torch.device, dtype: str = "float32"
    ) -> CheckpointAdapter:
        from benchbench.nets.checkpoint import load_checkpoint, require_arch

        if weights is None:
            raise ValueError(f"the {cls.family} adapter needs a weights file")
        checkpoint = load_checkpoint(weights)
        require_arch(weights, checkpoint.arch, cls.archs)
        return cls(checkpoint.build(), device, dtype)

    @classmethod
    def check_weights(cls, weights: Path) -> None:
        from benchbench.nets.checkpoint import check_checkpoint

        check_checkpoint(weights, cls.archs)

    @classmethod
    def build(
        cls, config: dict[str, Any], device: torch.device, dtype: str = "float32"
    ) -> CheckpointAdapter:
        from benchbench.nets import NETS

        arguments = dict(config)
        net = NETS.get(arguments.pop("arch"))
        return cls(seeded(lambda: net(**arguments)).eval(), device, dtype)
