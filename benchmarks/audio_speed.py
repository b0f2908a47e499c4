"""Speed of the audio zoo's generators: WaveNet naive vs cached, WaveGAN, DiffWave's steps curve.

WaveNet makes one network step per sample (4,096 per 0.512 s clip): the naive sampler
recomputes the receptive field at each, the cached one (Fast WaveNet) one position per
layer, and both must give the same clips (checked here). WaveGAN makes one pass per clip,
DiffWave one per denoising step (DDIM at 5, 10, 25 and 50 steps). Settings are timed
round-robin (one batch each per round), so a burst of load from other processes hits all
of them alike. Prints, per setting, the median seconds per batch and per clip, clips/s,
and the real-time factor: seconds of audio made per wall-clock second (above 1: faster
than real time).

    python benchmarks/audio_speed.py [--rounds 3] [--batch 4] [--threads 1] [--weights DIR]
                                     [--device cpu|cuda|auto]
"""

from __future__ import annotations

import statistics

import torch
from sampling_speed import Setting, arguments, drawer, load_generators, round_robin, setting_label

SETTINGS: tuple[Setting, ...] = (
    ("wavenet-digits", {"sampler": "naive"}),
    ("wavenet-digits", {"sampler": "cached"}),
    ("wavegan-digits", {}),
    *(("diffwave-digits", {"sampler": "ddim", "steps": steps}) for steps in (5, 10, 25, 50)),
)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], "clips")
    adapters = load_generators(SETTINGS, args.weights, args.device)
    first, seconds = round_robin(SETTINGS, drawer(adapters, args.batch, args.device), args.rounds)
    same = torch.equal(first[0], first[1])

    threads = torch.get_num_threads()
    print(f"batch {args.batch} clips, {args.rounds} rounds, {threads} torch threads, {args.device}")
    header = f"{'model':<17}{'setting':<20}{'s/batch':>9}{'s/clip':>9}{'clips/s':>9}{'RTF':>9}"
    print(header)
    for (name, params), clips, times in zip(SETTINGS, first, seconds, strict=True):
        median = statistics.median(times)
        audio_seconds = clips.shape[-1] / adapters[name].sample_rate * args.batch
        setting = setting_label(params)
        row = f"{name:<17}{setting:<20}{median:>9.3f}{median / args.batch:>9.3f}"
        print(f"{row}{args.batch / median:>9.2f}{audio_seconds / median:>9.4f}")
    naive, cached = (statistics.median(t) for t in seconds[:2])
    print(f"WaveNet cached vs naive: {naive / cached:.1f}x faster; same clips: {same}")


if __name__ == "__main__":
    main()
