"""A Pillow image's pixels at the scale its mode stores them, for the harness's [0, 1].

Pillow opens every file in one of its modes (``PIL.Image.MODES``). Each one here is
either read with its own white level or refused with the reason, never clipped:

- 1- and 8-bit modes are converted by Pillow to ``L`` (``1``, ``L``, ``LA``) or ``RGB``
  (``RGB``, ``RGBA``, ``RGBa``, ``RGBX``, ``CMYK``, ``YCbCr``, ``LAB``, ``HSV``, and
  ``P``/``PA`` through their palette); white is 255.
- 16-bit greyscale (``I;16``, ``I;16L``, ``I;16B``, ``I;16N``: a 16-bit PNG) has white
  65535, and so has ``I``, the 32-bit integer mode in which Pillow also hands out 16-bit
  PNG data. ``I`` values outside 0..65535 have no known white level and are refused.
- ``F`` (32-bit float) is taken as already in [0, 1], the harness's own scale; values
  outside it, or not finite, are refused.
- Alpha is dropped: the colour channels are kept as stored, as torch-fidelity and
  clean-fid read images (``convert("RGB")``), so a folder scores the same here as
  there. Composite transparent images onto the background you mean before scoring.
  ``La`` (premultiplied grey, which Pillow cannot convert) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

GREY_MODES = frozenset({"1", "L", "LA"})
COLOUR_MODES = frozenset({"RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})
# Through RGBA: Pillow warns when a palette with transparency goes straight to RGB.
PALETTE_MODES = frozenset({"P", "PA"})
SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
SIXTEEN_BIT_WHITE = 65535


class PixelModeError(ValueError):
    """An image whose mode or values have no defined [0, 1] scale; the message says why."""


@dataclass(frozen=True)
class Pixels:
    """One image's values as stored, H × W × C (C = 1 or 3), and the value that means 1.0."""

    values: np.ndarray
    white: float

    @property
    def size(self) -> tuple[int, int]:
        """Width × height, as Pillow states sizes."""
        return self.values.shape[1], self.values.shape[0]

    @property
    def channels(self) -> int:
        return self.values.shape[2]

    def unit(self) -> np.ndarray:
        """The values as float32 in [0, 1], H × W × C."""
        return self.values.astype(np.float32) / np.float32(self.white)


def read_pixels(image: Image.Image) -> Pixels:
    """``image``'s pixels with their white level, by mode (see the module docstring)."""
    mode = image.mode
    if mode in GREY_MODES:
        return Pixels(np.asarray(image.convert("L"))[..., None], 255)
    if mode in PALETTE_MODES:
        return Pixels(np.asarray(image.convert("RGBA"))[..., :3], 255)
    if mode in COLOUR_MODES:
        return Pixels(np.asarray(image.convert("RGB")), 255)
    if mode in SIXTEEN_BIT_MODES:
        return Pixels(np.asarray(image).astype(np.uint16)[..., None], SIXTEEN_BIT_WHITE)
    if mode == "I":
        values = _within(np.asarray(image), SIXTEEN_BIT_WHITE, _I_RANGE)
        return Pixels(values[..., None], SIXTEEN_BIT_WHITE)
    if mode == "F":
        return Pixels(_within(np.asarray(image), 1.0, _F_RANGE)[..., None], 1.0)
    raise PixelModeError(f"Pillow mode {mode!r} has no defined [0, 1] scale: {_ADVICE}")


_ADVICE = "save the image as 8-bit L or RGB, or 16-bit greyscale PNG"
_I_RANGE = "32-bit integer pixels are read as 16-bit (0..65535, as Pillow gives 16-bit PNGs)"
_F_RANGE = "float pixels are read as [0, 1], the harness's own scale"


def _within(values: np.ndarray, white: float, rule: str) -> np.ndarray:
    """``values`` if all are finite and in [0, ``white``]; else an error quoting ``rule``."""
    if not np.isfinite(values).all():
        raise PixelModeError(f"NaN or infinite pixels; {rule}")
    if values.size and (values.min() < 0 or values.max() > white):
        low, high = values.min(), values.max()
        raise PixelModeError(f"pixels in [{low:.6g}, {high:.6g}]; {rule}: {_ADVICE}")
    return values
