"""The embedded video world (moving-digits): determinism, shapes, labels, bounces."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.data import DATASETS, VideoSet
from benchbench.data.digits import load_digits, split_indices
from benchbench.data.moving_digits import (
    DIGIT_SIZE,
    DIRECTIONS,
    FRAME_RATE,
    FRAMES,
    SIZE,
    load_moving_digits,
    motion,
    positions,
    render,
)


@pytest.fixture(scope="module")
def everything():
    return load_moving_digits("all")


def test_moving_digits_shapes_split_range_and_rate():
    dataset = DATASETS.get("moving-digits")()
    train = dataset.load("train")
    assert isinstance(train, VideoSet) and train.frame_rate == dataset.frame_rate == FRAME_RATE
    assert (FRAMES, FRAME_RATE, SIZE) == (16, 8, 32)
    assert train.videos.shape == (1442, FRAMES, 1, SIZE, SIZE)
    assert train.videos.dtype == torch.float32 and train.labels.dtype == torch.int64
    assert float(train.videos.min()) == 0.0 and float(train.videos.max()) <= 1.0
    videos, digits, directions = load_moving_digits("test")
    assert videos.shape == (355, FRAMES, 1, SIZE, SIZE) and directions.dtype == torch.int64
    assert torch.equal(digits, load_digits("test")[1])  # the image digits' split


def test_a_clip_depends_on_its_index_only_not_on_the_split(everything):
    """The same clip, loaded through its split and through ``all``, twice: the same bytes."""
    videos, digits, directions = everything
    test_videos, _, test_directions = load_moving_digits("test")
    test_index = torch.from_numpy(split_indices(digits.numpy(), "test"))
    assert torch.equal(test_videos, videos[test_index])
    assert torch.equal(test_directions, directions[test_index])
    assert torch.equal(load_moving_digits("test")[0], test_videos)


def test_the_content_hash_covers_the_frame_rate():
    videos = torch.zeros(2, FRAMES, 1, SIZE, SIZE)
    at_8, at_16 = VideoSet("d", "s", videos, None, 8), VideoSet("d", "s", videos, None, 16)
    assert at_8.content_hash != at_16.content_hash
    assert at_8.identity.startswith("d/s@") and len(at_8.identity) == len("d/s@") + 16


def test_an_unknown_split_is_a_clear_error():
    with pytest.raises(ValueError, match="no split 'val'"):
        DATASETS.get("moving-digits")().load("val")


def test_labels_are_balanced_ish(everything):
    _, digits, directions = everything
    direction_counts = torch.bincount(directions, minlength=len(DIRECTIONS))
    assert len(DIRECTIONS) == 4 and int(direction_counts.min()) > 0.8 * len(directions) / 4
    assert int(torch.bincount(digits, minlength=10).min()) > 0.9 * len(digits) / 10


def test_every_frame_holds_the_whole_digit_and_clips_move(everything):
    """Bounces keep the digit fully on the canvas: each frame's ink is the digit's ink;
    and every clip moves on both axes (no two consecutive frames equal across a clip)."""
    videos, _, _ = everything
    digits = load_digits("all")[0]
    ink = videos.sum(dim=(2, 3, 4))  # [N, FRAMES]
    assert torch.allclose(ink, digits.sum(dim=(1, 2, 3))[:, None].expand_as(ink), rtol=1e-5)
    assert all(not torch.equal(clip[0], clip[-1]) for clip in videos[:200])


def test_positions_bounce_off_both_edges_and_stay_on_the_canvas():
    corners = positions(np.array([14.0, 1.0]), np.array([2.5, -2.0]))
    assert corners.min() == 0 and corners.max() == SIZE - DIGIT_SIZE
    # x: 14 → 16.5 → 19, reflected to 32 - 19 = 13; y: 1 → -1 → -3, reflected to 3
    assert corners[0].tolist() == [14, 1] and corners[2].tolist() == [13, 3]
    steps = np.diff(corners, axis=0)
    assert (steps[:, 0] < 0).any() and (steps[:, 0] > 0).any()  # it bounced back on x


def test_direction_labels_are_the_signs_of_the_initial_velocity(everything):
    _, _, directions = everything
    for index in range(50):
        start, velocity, direction = motion(index)
        assert direction == int(directions[index])
        left, up = DIRECTIONS[direction].split("-")[0] == "left", "up" in DIRECTIONS[direction]
        assert (velocity[0] < 0) == left and (velocity[1] < 0) == up
        assert np.all(np.abs(velocity) > 0.5)  # both axes move, at least half a pixel a frame
        assert np.all((start >= 0) & (start <= SIZE - DIGIT_SIZE))


def test_the_set_of_frames_does_not_tell_the_direction():
    """A clip played backwards holds the same frames with the opposite direction, so only
    their order tells it; the first frame depends on the start, not on the velocity."""
    digit = load_digits("all")[0][3, 0]
    forwards = render(digit, np.array([0.0, 0.0]), np.array([1.0, 1.0]))  # right-down
    backwards = render(digit, np.array([15.0, 15.0]), np.array([-1.0, -1.0]))  # left-up
    assert torch.equal(forwards.flip(0), backwards)
    other_way = render(digit, np.array([0.0, 0.0]), np.array([-2.0, 1.0]))
    assert torch.equal(forwards[0], other_way[0]) and not torch.equal(forwards, other_way)
