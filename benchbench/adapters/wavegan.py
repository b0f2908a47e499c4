"""WaveGAN family: a generator mapping a Gaussian latent and a digit to a clip in one pass.

The GAN adapter's sampling (latent, truncation trick, given or drawn labels) on a
``nets.audio.wavegan.WaveGANGenerator`` checkpoint, for waveforms in [-1, 1].
"""

from __future__ import annotations

from benchbench.adapters.base import Waveforms
from benchbench.adapters.gan import GANAdapter


class WaveGANAdapter(Waveforms, GANAdapter):
    """A WaveGAN generator checkpoint: ``[n, 1, samples]`` in [-1, 1] per call."""

    family = "wavegan"
    archs = ("wavegan-generator",)
    value_range = (-1.0, 1.0)
