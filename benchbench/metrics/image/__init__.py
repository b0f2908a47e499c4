"""Metrics made for images: CLIP score and CMMD (CLIP embeddings), LPIPS diversity and
perceptual path length (they need pixels or the model). The feature metrics that images
share with audio and video live in ``metrics.features``."""

from benchbench.metrics.image.cmmd import cmmd

__all__ = ["cmmd"]
