"""Speed of the video zoo's generators: VideoGAN, and the diffusion transformer's steps curve.

VideoGAN makes one pass per clip; the diffusion transformer one per denoising step (DDIM at
5, 10, 25 and 50 steps, and DDPM at 50: the same passes, with noise added at each step).
Settings are timed round-robin (see sampling_speed.py). Prints, per setting, the median
seconds per batch and per clip, clips/s, frames/s (16 frames of 32×32 per clip), how many
times real time that is (frames/s over the clips' 8 fps), and the process's peak resident
memory during one more batch.

    python benchmarks/video_speed.py [--rounds 3] [--batch 4] [--threads 1] [--weights DIR]
                                     [--device cpu|cuda|auto]
"""

from __future__ import annotations

import statistics

import torch
from sampling_speed import Setting, arguments, drawer, load_generators, round_robin, setting_label

from benchbench.measure.memory import PeakMemory

SETTINGS: tuple[Setting, ...] = (
    ("videogan-digits", {}),
    *(("video-diffusion-digits", {"sampler": "ddim", "steps": s}) for s in (5, 10, 25, 50)),
    ("video-diffusion-digits", {"sampler": "ddpm", "steps": 50}),
)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], "clips")
    adapters = load_generators(SETTINGS, args.weights, args.device)
    draw = drawer(adapters, args.batch, args.device)
    first, seconds = round_robin(SETTINGS, draw, args.rounds)
    memory = PeakMemory(torch.device("cpu"))
    peaks = []
    for name, params in SETTINGS:
        memory.reset()
        draw(name, params)
        peak = memory.read()
        peaks.append(peak.get("cpu_peak_rss", peak.get("cpu_peak_rss_since_start", 0)))

    threads = torch.get_num_threads()
    print(f"batch {args.batch} clips, {args.rounds} rounds, {threads} torch threads, {args.device}")
    print(
        f"{'model':<24}{'setting':<24}{'s/batch':>9}{'s/clip':>9}{'clips/s':>9}"
        f"{'frames/s':>10}{'x real':>8}{'peak MiB':>10}"
    )
    rows = zip(SETTINGS, first, seconds, peaks, strict=True)
    for (name, params), clips, times, peak in rows:
        median = statistics.median(times)
        frames_per_second = args.batch * clips.shape[1] / median
        realtime = frames_per_second / adapters[name].frame_rate
        row = f"{name:<24}{setting_label(params):<24}{median:>9.3f}{median / args.batch:>9.3f}"
        print(
            f"{row}{args.batch / median:>9.2f}{frames_per_second:>10.1f}{realtime:>8.2f}"
            f"{peak / 2**20:>10.0f}"
        )


if __name__ == "__main__":
    main()
