"""VideoGAN family: a two-stream generator mapping a Gaussian latent and a digit to a clip
in one pass.

The GAN adapter's sampling (latent, truncation trick, given or drawn labels) on a
``nets.video.videogan.VideoGANGenerator`` checkpoint, for clips in [0, 1].
"""

from __future__ import annotations

from benchbench.adapters.base import Videos
from benchbench.adapters.gan import GANAdapter


class VideoGANAdapter(Videos, GANAdapter):
    """A VideoGAN generator checkpoint: ``[n, frames, 1, H, W]`` in [0, 1] per call."""

    family = "videogan"
    archs = ("videogan-generator",)
