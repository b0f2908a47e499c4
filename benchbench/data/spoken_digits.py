"""``spoken-digits``: the embedded audio world, synthesised from scikit-learn's digits.

What it is: a deterministic, synthetic *proxy* for SC09 (spoken "zero" to "nine"), made
because no spoken-digit corpus is reachable offline. Each of scikit-learn's 1,797 8×8
digit images is played as a spectrogram through a source-filter harmonic synthesiser:

- **rows → frequency bands**: row 0 (the top) is the highest band; the eight band
  centres are log-spaced from ``BAND_LOW_HZ`` to ``BAND_HIGH_HZ``. A pixel's ink
  (0..16) is the band's linear gain; between band centres the gain is interpolated in
  log-frequency, and it is zero outside the outer bands.
- **columns → time**: the eight columns are spread evenly over the clip's voiced span
  and interpolated linearly in time, with 10 ms fades at both ends.
- **source**: a harmonic series on a pitch ``f0`` up to the top band; each harmonic's
  amplitude is the spectral envelope above at its own frequency and instant (computed
  every ``GAIN_HOP`` samples and interpolated linearly in between).

Within-class variety, drawn per clip from a generator seeded by ``(SEED, index)`` (so a
clip never depends on the split or on other clips): pitch ``f0`` log-uniform in
``F0_RANGE_HZ`` with a declination of 0-20 % over the span and a slight vibrato;
tempo (the voiced span's length, ``SPAN_RANGE_S``) and its onset; a phase per harmonic;
peak amplitude in ``PEAK_RANGE``. Each clip is then quantised to the 16-bit grid
(multiples of 1/32768), so it is exactly what a 16-bit WAV file holds, and a last-bit
difference in a platform's ``sin`` changes a byte only if it falls on a rounding edge.

What it is not: speech. There are no phonemes, no consonants or noise excitation, no
speakers, no recording channel, and classes differ by construction as their images do
(a "1" is a short burst across the bands, a "0" a ring). Scores on it measure how well a model
learns *this* world; they say nothing about SC09 numbers. Clips are mono,
``SAMPLE_RATE`` = 8,000 Hz, ``CLIP_SAMPLES`` = 4,096 samples (0.512 s), float32 in
[-1, 1]. The train/test split is ``benchbench.data.digits``'s (every fifth image of
each class is ``test``: 355 clips; 1,442 ``train``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from benchbench.data.digits import Split, split_indices

SAMPLE_RATE = 8000
CLIP_SAMPLES = 4096
SEED = 17
BAND_LOW_HZ = 250.0
BAND_HIGH_HZ = 3400.0
F0_RANGE_HZ = (80.0, 180.0)
SPAN_RANGE_S = (0.30, 0.46)
PEAK_RANGE = (0.35, 0.9)
FADE_S = 0.010
VIBRATO_HZ = 5.0
VIBRATO_DEPTH = 0.01
GAIN_HOP = 32
_PCM_SCALE = 32768.0


def load_spoken_digits(split: Split = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Waveforms ``[N, 1, CLIP_SAMPLES]`` float32 in [-1, 1] and labels ``[N]`` int64."""
    waveforms, labels = _all_clips()
    index = split_indices(labels, split)
    return (
        torch.from_numpy(waveforms[index]).unsqueeze(1),
        torch.from_numpy(labels[index].astype(np.int64)),
    )


@lru_cache(maxsize=1)
def _all_clips() -> tuple[np.ndarray, np.ndarray]:
    """Every clip, synthesised once per process (about 10 s of CPU); read-only arrays."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    waveforms = np.stack([synthesise(image, index) for index, image in enumerate(bunch.images)])
    labels = np.asarray(bunch.target)
    waveforms.setflags(write=False)
    labels.setflags(write=False)
    return waveforms, labels


def synthesise(image: np.ndarray, index: int) -> np.ndarray:
    """One clip ``[CLIP_SAMPLES]`` float32 from an 8×8 image of ink 0..16; ``index`` seeds
    its pitch, tempo, phases and amplitude."""
    rng = np.random.default_rng([SEED, index])
    f0_track = _pitch_track(rng)
    span = rng.uniform(*SPAN_RANGE_S) * SAMPLE_RATE
    onset = rng.uniform(0.0, CLIP_SAMPLES - span)
    harmonics = np.arange(1, int(BAND_HIGH_HZ // f0_track.min()) + 1)
    phases = rng.uniform(0.0, 2 * np.pi, size=len(harmonics))
    peak = rng.uniform(*PEAK_RANGE)

    frames = _frame_samples()
    position = (np.arange(CLIP_SAMPLES) - onset) / span  # 0..1 over the voiced span
    frame_gains = _envelope(
        image / 16.0, (frames - onset) / span, harmonics[:, None] * f0_track[None, frames]
    )
    gains = _frames_to_samples(frame_gains)
    phase = 2 * np.pi * np.cumsum(f0_track[:CLIP_SAMPLES]) / SAMPLE_RATE
    clip = (gains * np.sin(harmonics[:, None] * phase[None, :] + phases[:, None])).sum(axis=0)
    clip *= _fades(position, span)
    loudest = np.abs(clip).max()
    if loudest > 0:
        clip *= peak / loudest
    return (np.round(clip * _PCM_SCALE) / _PCM_SCALE).astype(np.float32)


def _pitch_track(rng: np.random.Generator) -> np.ndarray:
    """``f0`` in Hz at samples 0..CLIP_SAMPLES (one past the end, where the last gain
    frame lies): a log-uniform start, a linear declination, a vibrato."""
    low, high = np.log(F0_RANGE_HZ[0]), np.log(F0_RANGE_HZ[1])
    start = np.exp(rng.uniform(low, high))
    fall = rng.uniform(0.0, 0.2)
    vibrato_phase = rng.uniform(0.0, 2 * np.pi)
    t = np.arange(CLIP_SAMPLES + 1) / SAMPLE_RATE
    declination = 1.0 - fall * t / t[-1]
    vibrato = 1.0 + VIBRATO_DEPTH * np.sin(2 * np.pi * VIBRATO_HZ * t + vibrato_phase)
    return start * declination * vibrato


def _frame_samples() -> np.ndarray:
    """The samples at which harmonic gains are computed (every ``GAIN_HOP``, both ends):
    the envelope changes slowly, so gains in between are interpolated linearly."""
    return np.arange(0, CLIP_SAMPLES + 1, GAIN_HOP)


def _frames_to_samples(frame_gains: np.ndarray) -> np.ndarray:
    """Gains ``[harmonics, samples]``, linear between the frames of ``_frame_samples``."""
    samples = np.arange(CLIP_SAMPLES)
    left = samples // GAIN_HOP
    weight = (samples % GAIN_HOP) / GAIN_HOP
    return (1 - weight) * frame_gains[:, left] + weight * frame_gains[:, left + 1]


def _envelope(ink: np.ndarray, position: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """Gain ``[harmonics, frames]`` of each harmonic (rows of ``frequency``, in Hz) at each
    ``position`` (0..1 over the voiced span): the image read as a spectrogram, bilinear in
    (log-frequency, time), zero above and below its bands."""
    rows_low_to_high = ink[::-1]  # row 0 is the highest band; np.interp needs rising ones
    log_centres = np.log(np.geomspace(BAND_LOW_HZ, BAND_HIGH_HZ, len(ink)))
    log_f = np.log(frequency)
    per_column = np.stack(
        [np.interp(log_f, log_centres, rows, left=0.0, right=0.0) for rows in rows_low_to_high.T]
    )  # [columns, harmonics, frames]
    column = np.clip(position * (ink.shape[1] - 1), 0.0, ink.shape[1] - 1)
    left = np.floor(column).astype(int)
    right = np.minimum(left + 1, ink.shape[1] - 1)
    weight = column - left
    frames = np.arange(len(position))
    return (1 - weight) * per_column[left, :, frames].T + weight * per_column[right, :, frames].T


def _fades(position: np.ndarray, span: float) -> np.ndarray:
    """1 inside the voiced span, with linear fades of ``FADE_S`` at both ends, 0 outside."""
    fade = FADE_S * SAMPLE_RATE / span
    return np.clip(np.minimum(position, 1.0 - position) / fade, 0.0, 1.0)
