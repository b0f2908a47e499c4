"""Stored samples as study items: an image (uint8 CHW array), a clip (int16 [1, samples]
array at the set's sample rate), a video (uint8 [frames, C, H, W] array at the set's frame
rate) or a string.

Runs store every image sample in ``samples.npz`` (uint8 NCHW under ``images``), every
audio clip there too (16-bit PCM under ``waveforms``, with ``sample_rate``), and every
video (uint8 under ``videos``, with ``frame_rate``). Text
cells store their generations as ``samples.jsonl`` (one JSON value per line, as the
text family writes it: ``{"prompt", "reference", "generation"}``) or ``samples.json``
(a list); a value is a string or an object with ``generation`` (or ``text``) and an
optional ``prompt``, which raters are shown above the samples. Whichever artifact a
cell has decides its kind. A planted sample is a real one destroyed on purpose (heavy noise,
scrambled words) so that it is obviously worse than its source whatever the model.
``Items`` reads a study's items once, for the web app and the CSV export alike.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from PIL import Image

from benchbench.hashing import sha256_bytes
from benchbench.store.human import HumanStore

SampleKind = Literal["image", "audio", "video", "text"]
IMAGE_ARTIFACT = "samples.npz"
TEXT_ARTIFACTS = ("samples.json", "samples.jsonl")
SHOWN_PIXELS = 192  # images are upscaled (nearest) to about this size for raters


class SampleError(ValueError):
    """A cell has no samples a rater can be shown."""


@dataclass(frozen=True)
class SampleSet:
    kind: SampleKind
    values: list[np.ndarray] | list[str]
    prompts: list[str | None] = field(default_factory=list)  # text: what was asked, if known
    sample_rate: int | None = None  # audio: the clips' rate in Hz
    frame_rate: int | None = None  # video: the clips' frames per second

    def __len__(self) -> int:
        return len(self.values)


class Items:
    """Item id → the sample to show (planted ones destroyed on the fly). The study's
    cells are read once, so showing a task needs no artifact from the store."""

    def __init__(self, humans: HumanStore, study: str):
        frame = humans.items(study)
        self.index = {
            r.item_id: (r.cell_id, int(r.sample_index), bool(r.planted)) for r in frame.itertuples()
        }
        self.cells: dict[str, SampleSet] = {
            cell_id: read_samples(humans.artifacts(cell_id)) for cell_id in set(frame["cell_id"])
        }

    def sample(self, item_id: str) -> np.ndarray | str:
        cell_id, index, fake = self.index[item_id]
        value = self.cells[cell_id].values[index]
        return planted(value, item_id) if fake else value

    def kind(self, item_id: str) -> str:
        return self.cells[self.index[item_id][0]].kind

    def sample_rate(self, item_id: str) -> int | None:
        """An audio item's rate in Hz (None for images and text)."""
        return self.cells[self.index[item_id][0]].sample_rate

    def frame_rate(self, item_id: str) -> int | None:
        """A video item's frames per second (None for other items)."""
        return self.cells[self.index[item_id][0]].frame_rate

    def prompt(self, item_id: str) -> str | None:
        """The prompt a text item answered (None for images and unprompted text)."""
        cell_id, index, _ = self.index[item_id]
        prompts = self.cells[cell_id].prompts
        return prompts[index] if index < len(prompts) else None


def read_samples(artifacts: dict[str, bytes]) -> SampleSet:
    """The samples among a cell's artifacts (name -> content)."""
    if IMAGE_ARTIFACT in artifacts:
        with np.load(io.BytesIO(artifacts[IMAGE_ARTIFACT])) as data:
            if "waveforms" in data:
                return _clips(data["waveforms"], data["sample_rate"])
            if "videos" in data:
                return _videos(data["videos"], data["frame_rate"])
            images = data["images"]
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
            raise SampleError(f"{IMAGE_ARTIFACT} holds {images.dtype} {images.shape}, not NCHW")
        return SampleSet("image", list(images))
    for name in TEXT_ARTIFACTS:
        if name in artifacts:
            text = artifacts[name].decode("utf-8")
            rows = (
                json.loads(text)
                if name.endswith(".json")
                else [json.loads(line) for line in text.splitlines() if line.strip()]
            )
            return SampleSet(
                "text", [_text_of(row, name) for row in rows], [_prompt_of(row) for row in rows]
            )
    raise SampleError(
        f"no samples stored (looked for {IMAGE_ARTIFACT}, {', '.join(TEXT_ARTIFACTS)})"
    )


def _clips(waveforms: np.ndarray, rate: np.ndarray) -> SampleSet:
    """An audio cell's clips: int16 [n, 1, samples] at a positive whole rate."""
    if waveforms.dtype != np.int16 or waveforms.ndim != 3 or waveforms.shape[1] != 1:
        raise SampleError(
            f"{IMAGE_ARTIFACT} holds {waveforms.dtype} {waveforms.shape} waveforms, "
            "not int16 [n, 1, samples]"
        )
    return SampleSet("audio", list(waveforms), sample_rate=_rate(rate, "sample rate"))


def _videos(videos: np.ndarray, rate: np.ndarray) -> SampleSet:
    """A video cell's clips: uint8 [n, frames, 1 or 3, H, W] at a positive whole rate."""
    if videos.dtype != np.uint8 or videos.ndim != 5 or videos.shape[2] not in (1, 3):
        raise SampleError(
            f"{IMAGE_ARTIFACT} holds {videos.dtype} {videos.shape} videos, "
            "not uint8 [n, frames, 1 or 3, H, W]"
        )
    return SampleSet("video", list(videos), frame_rate=_rate(rate, "frame rate"))


def _rate(rate: np.ndarray, what: str) -> int:
    """A stored sample or frame rate: a positive whole number."""
    if rate.shape != () or rate.dtype.kind not in "iu" or int(rate) <= 0:
        raise SampleError(f"{IMAGE_ARTIFACT} holds {what} {rate!r}, not a positive integer")
    return int(rate)


def _text_of(row: object, name: str) -> str:
    if isinstance(row, str):
        return row
    if isinstance(row, dict):
        for key in ("generation", "text"):
            if isinstance(row.get(key), str):
                return row[key]
    raise SampleError(
        f"{name}: each sample must be a string or an object with a generation (or text) field"
    )


def _prompt_of(row: object) -> str | None:
    prompt = row.get("prompt") if isinstance(row, dict) else None
    return prompt if isinstance(prompt, str) else None


def image_png(image: np.ndarray) -> bytes:
    """A CHW uint8 image as PNG, upscaled by an integer factor for the page."""
    picture = Image.fromarray(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0))
    scale = max(1, SHOWN_PIXELS // max(picture.size))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def video_gif(video: np.ndarray, frame_rate: int) -> bytes:
    """A [frames, C, H, W] uint8 video as a looping GIF at its rate, upscaled by an integer
    factor as ``image_png`` upscales images."""
    import torch  # image and text studies skip torch

    from benchbench.outputs.video import animated_gif

    scale = max(1, SHOWN_PIXELS // max(video.shape[-2:]))
    frames = torch.from_numpy(np.ascontiguousarray(video)).float() / 255
    return animated_gif(frames, frame_rate, scale)


def planted(sample: np.ndarray | str, key: str) -> np.ndarray | str:
    """An obviously bad version of ``sample``, the same every time for the same ``key``."""
    rng = np.random.default_rng(int(sha256_bytes(key.encode())[:16], 16))
    if isinstance(sample, str):
        words = sample.split()
        rng.shuffle(words)
        return " ".join("".join(rng.permutation(list(w))) for w in words)
    info = np.iinfo(sample.dtype)  # uint8 pixels or frames, int16 audio: full-range noise
    noise = rng.integers(info.min, info.max, size=sample.shape, endpoint=True)
    return (0.15 * sample + 0.85 * noise).round().astype(sample.dtype)
