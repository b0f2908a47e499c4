"""Are the audio zoo's generators better than noise? Two cheap checks without a trained net.

- **Spectral distance**: the mean absolute difference, in dB over 129 frequency bins,
  between the long-term average spectrum (mean power of an STFT with 256-sample Hann
  windows, hop 128, over all frames and clips, then in dB) of a model's clips and that of
  the held-out ``test`` clips.
- **Nearest-centroid accuracy**: each clip's voiced part (the frames above 5% of its
  loudest frame's energy) as a coarse spectrogram, 16 bands × 8 time slices, each
  normalised to sum 1, in dB; a clip is read as the digit whose ``train`` centroid is
  nearest. The share read as the digit asked for: held-out clips give the ceiling (this
  crude reader gets about two in three right), white noise 10%.

Rows for the ``test`` clips (ceiling) and white noise at the data's RMS (floor) come first.
It is a sanity check of the shipped weights, not a benchmark metric (those live in the
suites, on the spoken-digits CNN's features).

    python benchmarks/audio_quality.py [--n 50] [--wavenet-n 20] [--threads 1] [--weights DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from benchbench.adapters import ADAPTERS
from benchbench.data.spoken_digits import load_spoken_digits
from benchbench.zoo import weights_path

N_FFT, HOP, BANDS, SLICES, VOICED = 256, 128, 16, 8, 0.05


def power(clips: torch.Tensor) -> torch.Tensor:
    """Power spectrograms ``[N, 129, frames]`` of clips ``[N, 1, T]``."""
    window = torch.hann_window(N_FFT)
    return torch.stft(clips[:, 0], N_FFT, HOP, window=window, return_complex=True).abs().square()


def spectral_distance(clips: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean |difference| (dB) of the long-term average spectra."""

    def average(x: torch.Tensor) -> torch.Tensor:
        return 10.0 * torch.log10(power(x).mean(dim=(0, 2)) + 1e-10)

    return (average(clips) - average(reference)).abs().mean().item()


def voiced_shapes(clips: torch.Tensor) -> torch.Tensor:
    """``[N, BANDS · SLICES]``: each clip's voiced frames as a normalised coarse
    spectrogram in dB, so the onset, length and loudness of a clip do not matter."""
    bands = F.avg_pool1d(power(clips).transpose(1, 2), N_FFT // 2 // BANDS).transpose(1, 2)
    shapes = []
    for spectrogram in bands:
        energy = spectrogram.sum(0)
        voiced = (energy > VOICED * energy.max()).nonzero()[:, 0]
        span = spectrogram[:, voiced.min() : voiced.max() + 1] if len(voiced) else spectrogram
        coarse = F.adaptive_avg_pool1d(span[None], SLICES)[0]
        shapes.append(10.0 * torch.log10(coarse / coarse.sum().clamp_min(1e-10) + 1e-10).flatten())
    return torch.stack(shapes)


def centroid_accuracy(clips: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor) -> float:
    nearest = torch.cdist(voiced_shapes(clips), centroids).argmin(dim=1)
    return (nearest == labels).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="clips per model")
    parser.add_argument("--wavenet-n", type=int, default=20, help="WaveNet clips (slow)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--weights", type=Path, help="zoo weights folder (default: shipped)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train_clips, train_labels = load_spoken_digits("train")
    test_clips, test_labels = load_spoken_digits("test")
    features = voiced_shapes(train_clips)
    centroids = torch.stack([features[train_labels == d].mean(0) for d in range(10)])
    rms = test_clips.square().mean().sqrt()
    noise = torch.randn(args.n, 1, test_clips.shape[-1], generator=torch.Generator()) * rms
    rows = [
        ("test clips (ceiling)", test_clips, test_labels),
        ("white noise (floor)", noise.clamp(-1, 1), torch.arange(args.n) % 10),
    ]
    settings = (
        ("wavenet-digits", "wavenet", {"sampler": "cached"}, args.wavenet_n),
        ("wavegan-digits", "wavegan", {}, args.n),
        ("diffwave-digits", "diffwave", {"sampler": "ddim", "steps": 50}, args.n),
        ("diffwave-digits", "diffwave", {"sampler": "ddim", "steps": 10}, args.n),
        ("diffwave-digits", "diffwave", {"sampler": "ddpm", "steps": 50}, args.n),
    )
    print(f"{'clips':<44}{'N':>5}{'spectral dist (dB)':>20}{'centroid acc':>14}", flush=True)
    for label, clips, labels in rows:
        report(label, clips, labels, test_clips, centroids)
    for name, family, params, n in settings:
        adapter = ADAPTERS.get(family).load(weights_path(name, args.weights), torch.device("cpu"))
        labels = torch.arange(n) % 10
        with torch.inference_mode():
            clips = adapter.sample(n, torch.Generator().manual_seed(0), labels=labels, **params)
        setting = " ".join(f"{k}={v}" for k, v in params.items())
        report(f"{name} {setting}".strip(), clips, labels, test_clips, centroids)


def report(
    label: str,
    clips: torch.Tensor,
    labels: torch.Tensor,
    reference: torch.Tensor,
    centroids: torch.Tensor,
) -> None:
    distance = spectral_distance(clips, reference)
    accuracy = centroid_accuracy(clips, labels, centroids)
    print(f"{label:<44}{len(clips):>5}{distance:>20.2f}{accuracy:>14.1%}", flush=True)


if __name__ == "__main__":
    main()
