"""Guidance for diffusion samplers: noise predictors ``(x_t, t) -> noise`` that steer.

Two ways to ask a diffusion model for something:

- **Classifier-free guidance** (Ho & Salimans 2022), for a UNet trained with a null
  class: noise = uncond + w · (cond − uncond). At w = 0 that is the unconditional
  prediction and at w = 1 the conditional one, so those scales need one UNet pass per
  step; any other scale needs both (one batched call).
- **CLIP guidance**, for any UNet, as in the CLIP-guided generators that preceded
  text-conditional diffusion: a contrastive image–text model scores the predicted clean
  image against the prompt, and the noise is moved along the gradient of that score
  with respect to the noisy sample — classifier guidance (Dhariwal & Nichol 2021, in its
  DDIM form) with the classifier's log-probability replaced by s · cos(image, prompt):

      noise' = noise − √(1 − ᾱ_t) · ∇_{x_t} s · cos(E_I(x̂_0(x_t)), E_T(prompt))

  where x̂_0 = (x_t − √(1 − ᾱ_t) · noise) / √ᾱ_t is the model's own clean-image estimate
  (the gradient flows through the UNet). A CLIP score measured with the same model the
  sampler was steered by is therefore optimistic; an independent judge (a classifier)
  tells whether the image really changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

NoisePredictor = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def classifier_free(
    unet: nn.Module, labels: torch.Tensor, null_class: int, guidance: float
) -> NoisePredictor:
    """The guided noise of a class-conditional UNet, with only the passes ``guidance`` needs."""

    def call(x: torch.Tensor, t: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        return unet(x, t, class_labels=classes).sample

    if guidance == 0.0:
        null = torch.full_like(labels, null_class)
        return lambda x, t: call(x, t, null)
    if guidance == 1.0:
        return lambda x, t: call(x, t, labels)
    both = torch.cat([labels, torch.full_like(labels, null_class)])

    def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        cond, uncond = call(torch.cat([x, x]), t, both).chunk(2)
        return uncond + guidance * (cond - uncond)

    return guided


class TextImageNet(Protocol):
    """What CLIP guidance needs of a contrastive model: differentiable encoders."""

    def encode_images(self, images: torch.Tensor) -> torch.Tensor: ...

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor: ...


def clip_guided(
    predict: NoisePredictor,
    net: TextImageNet,
    prompts: Sequence[str],
    alphas_cumprod: torch.Tensor,
    scale: float,
) -> NoisePredictor:
    """``predict`` steered towards ``prompts`` by ``net``'s image–text cosine (see module
    docstring); images are the clean estimate mapped from [-1, 1] to [0, 1] and clamped."""
    with torch.inference_mode(False), torch.no_grad():  # an ordinary tensor, used in autograd
        text = net.encode_texts(list(prompts))

    def steered(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        alpha = alphas_cumprod.to(x.device)[t].to(x.dtype)
        # Sampling runs under inference mode; the gradient needs ordinary tensors.
        with torch.inference_mode(False), torch.enable_grad():
            x_in = x.detach().clone().requires_grad_(True)
            noise = predict(x_in, t.clone())
            clean = (x_in - (1 - alpha).sqrt() * noise) / alpha.sqrt()
            images = (clean / 2 + 0.5).clamp(0.0, 1.0)
            embedding = net.encode_images(images)
            similarity = F.cosine_similarity(embedding, text.to(embedding), dim=-1)
            (gradient,) = torch.autograd.grad(scale * similarity.sum(), x_in)
        return noise.detach() - (1 - alpha).sqrt() * gradient

    return steered
