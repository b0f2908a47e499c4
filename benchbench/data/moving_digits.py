"""``moving-digits``: the embedded video world, synthesised from scikit-learn's digits.

What it is: a deterministic, synthetic stand-in for Moving MNIST, made because no video
corpus is reachable offline. Each of scikit-learn's 1,797 digit images, upscaled to
16×16 as ``benchbench.data.digits`` does (bilinear, ink in [0, 1]), moves on a 32×32
black canvas for ``FRAMES`` = 16 frames at ``FRAME_RATE`` = 8 frames per second (2 s):

- **motion**: constant velocity, ``SPEED_RANGE`` pixels per frame, at an angle drawn
  within one quadrant but at least ``ANGLE_MARGIN_DEG`` away from either axis, so both
  coordinates move; the digit bounces off the canvas edges (a reflection of its
  position), so it is always fully on the canvas.
- **placement**: the digit's top-left corner starts uniformly anywhere that keeps it on
  the canvas; positions are rounded to whole pixels, so every frame holds the digit's
  pixels exactly (no resampling blur) and nothing else.

Per clip, a generator seeded by ``(SEED, index)`` draws, in this order, the direction,
the angle within its quadrant, the speed and the start position (x, then y), so a clip
never depends on the split or on other clips.

Labels: ``digit`` (0-9, the image's class) and ``direction`` (0-3, the signs of the
*initial* velocity, ``DIRECTIONS``, in image coordinates where y grows downwards). The
start position is drawn independently of the direction, so the first frame says nothing
about it, and the set of frames does not either (a clip played backwards holds the same
frames with the opposite direction): a classifier must read their order.

What it is not: natural video. There is one object, no background, no occlusion, no
lighting, no camera motion and no change of shape; motion is linear with perfect
bounces. Scores on it measure how well a model learns *this* world; they say nothing
about UCF-101 or Kinetics numbers. Videos are float32 in [0, 1], ``[N, FRAMES, 1, SIZE,
SIZE]``. The train/test split is ``benchbench.data.digits``'s (every fifth image of each
class is ``test``: 355 clips; 1,442 ``train``).
"""

from __future__ import annotations

import numpy as np
import torch

from benchbench.data.digits import DEFAULT_SIZE, Split, load_digits, split_indices

FRAMES = 16
FRAME_RATE = 8
SIZE = 32
DIGIT_SIZE = DEFAULT_SIZE
SEED = 18
SPEED_RANGE = (1.5, 3.0)
ANGLE_MARGIN_DEG = 20.0
DIRECTIONS = ("right-down", "left-down", "right-up", "left-up")
_TRAVEL = SIZE - DIGIT_SIZE  # the top-left corner's range on each axis: 0..16


def load_moving_digits(split: Split = "train") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Videos ``[N, FRAMES, 1, SIZE, SIZE]`` float32 in [0, 1], digits ``[N]`` int64 and
    directions ``[N]`` int64 (indices into ``DIRECTIONS``)."""
    images, digits = load_digits("all")
    index = split_indices(digits.numpy(), split)
    videos, directions = [], []
    for i in index:
        start, velocity, direction = motion(int(i))
        videos.append(render(images[i, 0], start, velocity))
        directions.append(direction)
    return torch.stack(videos), digits[index], torch.tensor(directions, dtype=torch.int64)


def motion(index: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Clip ``index``'s start ``(x, y)`` (pixels), velocity ``(vx, vy)`` (pixels per frame)
    and direction label, drawn from a generator seeded by ``(SEED, index)`` only."""
    rng = np.random.default_rng([SEED, index])
    direction = int(rng.integers(len(DIRECTIONS)))
    margin = np.deg2rad(ANGLE_MARGIN_DEG)
    angle = rng.uniform(margin, np.pi / 2 - margin)
    speed = rng.uniform(*SPEED_RANGE)
    signs = np.array([-1.0 if direction & 1 else 1.0, -1.0 if direction & 2 else 1.0])  # left, up
    velocity = signs * speed * np.array([np.cos(angle), np.sin(angle)])
    start = rng.uniform(0.0, _TRAVEL, size=2)
    return start, velocity, direction


def render(digit: torch.Tensor, start: np.ndarray, velocity: np.ndarray) -> torch.Tensor:
    """``[FRAMES, 1, SIZE, SIZE]``: ``digit`` (``[DIGIT_SIZE, DIGIT_SIZE]``) pasted at its
    bounced, rounded position in each frame of a black canvas."""
    frames = torch.zeros(FRAMES, 1, SIZE, SIZE)
    for t, (x, y) in enumerate(positions(start, velocity)):
        frames[t, 0, y : y + DIGIT_SIZE, x : x + DIGIT_SIZE] = digit
    return frames


def positions(start: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """Whole-pixel top-left corners ``[FRAMES, 2]`` (x, y) of a point moving from ``start``
    at ``velocity`` and reflected off ``0`` and ``_TRAVEL`` on each axis."""
    unbounded = start[None, :] + np.arange(FRAMES)[:, None] * velocity[None, :]
    folded = np.mod(unbounded, 2 * _TRAVEL)
    reflected = np.where(folded > _TRAVEL, 2 * _TRAVEL - folded, folded)
    return np.rint(reflected).astype(int)
