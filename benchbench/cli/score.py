"""``bench score images REAL FAKE``, ``bench score audio REAL FAKE`` and ``bench score
video REAL FAKE``, and what every ``bench score`` command shares.

``score`` rates a folder (or ``.npz``) of generated images, a folder of WAV clips, or a
folder of videos (GIFs, PNG-frame folders, NumPy arrays), against a folder of real ones
with any registered metrics, without a suite or a store; REAL's features are cached by
content like a suite's reference set. The metric-name and bootstrap checks and the
result printing here serve ``score text`` and ``score perplexity`` too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from benchbench.cli.common import console, describe_os_error, err_console, fail, warn

if TYPE_CHECKING:
    from benchbench.data import AudioSet, ImageSet, VideoSet
    from benchbench.metrics import MetricResult
    from benchbench.metrics.stats import BootstrapSpec


DEFAULT_METRICS = "fd,kd,is,precision,recall,density,coverage"
# A covariance, a mean over pairs, a nearest neighbour: none exists for a single image.
MIN_IMAGES = 2


COMMAND_FOR_OUTPUT = {
    "image": "bench score images",
    "audio": "bench score audio",
    "video": "bench score video",
    "text": "bench score text",
}
DEFAULT_AUDIO_METRICS = "fd,kd,kad,precision,recall,density,coverage"
DEFAULT_VIDEO_METRICS = "fd,fd-frames,kd,precision,recall,density,coverage"


# The options every feature-based ``bench score`` command shares (images, audio, video).
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
Resamples = Annotated[int, typer.Option(help="Resamples for the confidence intervals (0: none).")]
Confidence = Annotated[float, typer.Option(help="Confidence level of the intervals.")]
Seed = Annotated[int, typer.Option(help="Seed of resampling and of subset draws.")]
Device = Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N.")]
WeightsDir = Annotated[
    Path | None, typer.Option(help="Directory searched first for extractor weights.")
]
CacheDir = Annotated[
    Path | None, typer.Option(help="Feature cache (default $BENCHBENCH_CACHE_DIR).")
]


def metric_names(metrics: str, output: str) -> list[str]:
    """The names in ``--metrics``, each registered and scoring ``output`` ("image" or
    "text"): what a metric scores is the output whose inputs cover all of its own."""
    from benchbench.catalogue import INPUTS_BY_OUTPUT, METRICS
    from benchbench.registry import RegistryError

    names = [m.strip() for m in metrics.split(",") if m.strip()]
    if not names:
        raise fail(f"--metrics {metrics!r} names no metric; see `bench list metrics`")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise fail(f"--metrics lists {', '.join(map(repr, twice))} more than once")
    for name in names:
        try:
            inputs = set(METRICS.get(name).inputs)
        except RegistryError as exc:
            raise fail(str(exc)) from None
        scores = [kind for kind, given in INPUTS_BY_OUTPUT.items() if inputs <= set(given)]
        if output not in scores:
            commands = " or ".join(f"`{COMMAND_FOR_OUTPUT[kind]}`" for kind in scores)
            what = "audio" if output == "audio" else f"{output}s"  # "images", "texts"
            raise fail(f"metric {name!r} does not score {what}; it belongs to {commands}")
    return names


def bootstrap_spec(resamples: int, confidence: float, seed: int) -> BootstrapSpec | None:
    """The intervals' recipe from ``--resamples``, ``--confidence`` and ``--seed`` (None:
    no intervals); a value out of range is an error naming the option."""
    from benchbench.metrics.stats import BootstrapSpec
    from benchbench.suite.schema import MAX_RESAMPLES  # the bound a suite's bootstrap.resamples has

    if not 0 <= resamples <= MAX_RESAMPLES:
        raise fail(f"--resamples {resamples}: give 0 (no intervals) to {MAX_RESAMPLES}")
    if not 0 < confidence < 1:  # NaN fails too
        raise fail(f"--confidence {confidence}: give a level between 0 and 1, e.g. 0.95")
    if seed < 0:
        raise fail(f"--seed {seed}: give a non-negative integer")
    return BootstrapSpec(resamples, confidence, seed) if resamples else None


def _folder_option(path: Path | None, option: str, *, created: bool) -> Path | None:
    """``path`` if it is not given (``None``), a folder, or (``created``: made on first
    use) not there yet; a file, or a folder to read that does not exist, is an error."""
    if path is None or path.is_dir() or (created and not path.exists()):
        return path
    raise fail(f"{option} {path} {'is not a folder' if path.exists() else 'does not exist'}")


def score_images(
    real: Annotated[Path, typer.Argument(help="Reference images: a folder of PNG/JPEG or a .npz.")],
    fake: Annotated[Path, typer.Argument(help="Generated images: a folder or a .npz.")],
    features: Annotated[
        str, typer.Option(help="Feature extractor (bench list extractors).")
    ] = "digits-cnn",
    metrics: Annotated[
        str,
        typer.Option(
            help="Comma-separated metrics. fid and kid require --features inception-v3-compat; "
            "fd and kd work on any extractor and name it in their label."
        ),
    ] = DEFAULT_METRICS,
    as_json: AsJson = False,
    resamples: Resamples = 50,
    confidence: Confidence = 0.95,
    seed: Seed = 0,
    device: Device = "auto",
    weights_dir: WeightsDir = None,
    cache_dir: CacheDir = None,
) -> None:
    """Score FAKE against REAL: every metric with its confidence interval and N."""
    from benchbench.outputs.image import ImageEvaluator

    names = metric_names(metrics, "image")
    options = EvaluatorOptions.parse(resamples, confidence, seed, device, weights_dir, cache_dir)
    reference, generated = _image_set(real, "REAL"), _image_set(fake, "FAKE")
    results = scored(
        lambda: options.evaluator(ImageEvaluator, reference, names, features).evaluate(
            generated.images
        )
    )
    print_feature_results(results, as_json, confidence)


def score_audio(
    real: Annotated[Path, typer.Argument(help="Reference clips: a folder of WAV files.")],
    fake: Annotated[Path, typer.Argument(help="Generated clips: a folder of WAV files.")],
    features: Annotated[
        str, typer.Option(help="Audio feature extractor (bench list extractors).")
    ] = "spoken-digits-cnn",
    metrics: Annotated[
        str,
        typer.Option(help="Comma-separated metrics; fd and kd name the extractor in their label."),
    ] = DEFAULT_AUDIO_METRICS,
    as_json: AsJson = False,
    resamples: Resamples = 50,
    confidence: Confidence = 0.95,
    seed: Seed = 0,
    device: Device = "auto",
    weights_dir: WeightsDir = None,
    cache_dir: CacheDir = None,
) -> None:
    """Score the WAV clips in FAKE against those in REAL: every metric with its confidence
    interval and N. Each folder holds clips of one rate and length; the extractor resamples
    a rate other than its own with its named resampler."""
    from benchbench.outputs.audio import AudioEvaluator, AudioSamples

    names = metric_names(metrics, "audio")
    options = EvaluatorOptions.parse(resamples, confidence, seed, device, weights_dir, cache_dir)
    reference, generated = _audio_set(real, "REAL"), _audio_set(fake, "FAKE")
    samples = AudioSamples(generated.waveforms, generated.sample_rate)
    results = scored(
        lambda: options.evaluator(AudioEvaluator, reference, names, features).evaluate(samples)
    )
    print_feature_results(results, as_json, confidence)


def score_video(
    real: Annotated[
        Path,
        typer.Argument(
            help="Reference videos: a folder of GIFs, PNG-frame folders or .npy/.npz arrays."
        ),
    ],
    fake: Annotated[Path, typer.Argument(help="Generated videos, in the same forms.")],
    features: Annotated[
        str, typer.Option(help="Video feature extractor (bench list extractors).")
    ] = "moving-digits-cnn",
    metrics: Annotated[
        str,
        typer.Option(
            help="Comma-separated metrics; fd, kd and fd-frames name the extractor in their "
            "label (FVD is fd on i3d-kinetics400)."
        ),
    ] = DEFAULT_VIDEO_METRICS,
    frame_rate: Annotated[
        int,
        typer.Option(
            help="Frames per second of the clips in both folders (GIF frame durations must "
            "agree with it; PNG frames and arrays carry none)."
        ),
    ] = 8,
    as_json: AsJson = False,
    resamples: Resamples = 50,
    confidence: Confidence = 0.95,
    seed: Seed = 0,
    device: Device = "auto",
    weights_dir: WeightsDir = None,
    cache_dir: CacheDir = None,
) -> None:
    """Score the videos in FAKE against those in REAL: every metric with its confidence
    interval and N. Both hold clips of one length and size at --frame-rate; nothing is
    cut or resampled in time, so another length than the extractor's is an error."""
    from benchbench.outputs.video import VideoEvaluator, VideoSamples

    names = metric_names(metrics, "video")
    options = EvaluatorOptions.parse(resamples, confidence, seed, device, weights_dir, cache_dir)
    reference, generated = (
        _video_set(real, "REAL", frame_rate),
        _video_set(fake, "FAKE", frame_rate),
    )
    samples = VideoSamples(generated.videos, generated.frame_rate)
    results = scored(
        lambda: options.evaluator(VideoEvaluator, reference, names, features).evaluate(samples)
    )
    print_feature_results(results, as_json, confidence)


@dataclass(frozen=True)
class EvaluatorOptions:
    """What ``score images``, ``score audio`` and ``score video`` share: the intervals'
    recipe, the device, where extractor weights and cached features are, each option
    checked once."""

    bootstrap: BootstrapSpec | None
    seed: int
    device: str
    weights_dir: Path | None
    cache_dir: Path | None

    @classmethod
    def parse(
        cls,
        resamples: int,
        confidence: float,
        seed: int,
        device: str,
        weights_dir: Path | None,
        cache_dir: Path | None,
    ) -> EvaluatorOptions:
        return cls(
            bootstrap_spec(resamples, confidence, seed),
            seed,
            device,
            _folder_option(weights_dir, "--weights-dir", created=False),
            _folder_option(cache_dir, "--cache-dir", created=True),
        )

    def evaluator(self, kind: Any, reference: Any, names: list[str], features: str) -> Any:
        """``kind.for_reference`` (an image, audio or video evaluator) with these options."""
        from benchbench.extractors.cache import FeatureCache
        from benchbench.measure.device import resolve_device

        return kind.for_reference(
            reference,
            names,
            features,
            bootstrap=self.bootstrap,
            seed=self.seed,
            device=resolve_device(self.device),
            cache=FeatureCache(self.cache_dir),
            weights_dir=self.weights_dir,
        )


def scored(evaluate: Callable[[], list[MetricResult]]) -> list[MetricResult]:
    """``evaluate()``'s results; what the extractor, the weights or a metric cannot handle
    in the given files ends the command with an ``error:`` line."""
    from benchbench.extractors.weights_files import MissingWeightsError
    from benchbench.metrics import MetricSetupError
    from benchbench.registry import RegistryError

    try:
        return evaluate()
    except OSError as exc:
        raise fail(describe_os_error(exc)) from None
    except (
        MetricSetupError,
        MissingWeightsError,
        RegistryError,
        RuntimeError,
        ValueError,
    ) as exc:
        raise fail(str(exc)) from None


def print_feature_results(results: list[MetricResult], as_json: bool, confidence: float) -> None:
    """The results with each metric's details (a split's spread, ...) in the last column."""
    print_results(
        results,
        as_json,
        confidence,
        "details",
        lambda r: " ".join(f"{k}={v:.4g}" for k, v in r.details.items()),
    )


def _image_set(path: Path, name: str) -> ImageSet:
    """The images at ``path``, at least ``MIN_IMAGES`` of them; skipped folder entries are
    warned, and anything unreadable is an error naming the file."""
    from benchbench.data.folders import ImageLoadError, load_images

    try:
        images = load_images(path, warn)
    except ImageLoadError as exc:
        raise fail(str(exc)) from None
    too_few(name, path, len(images.images), "image")
    return images


def _audio_set(path: Path, name: str) -> AudioSet:
    """The WAV clips in the folder ``path``, at least ``MIN_IMAGES`` of them, of one rate
    and length; skipped folder entries are warned, and anything unreadable or odd is an
    error naming the file."""
    from benchbench.data.audio_files import AudioLoadError, read_wav_folder

    try:
        clips = read_wav_folder(path, warn)
    except AudioLoadError as exc:
        raise fail(f"{name} {exc}") from None
    too_few(name, path, len(clips.waveforms), "WAV file")
    return clips


def _video_set(path: Path, name: str, frame_rate: int) -> VideoSet:
    """The videos at ``path`` (see ``data.video_files``), at least ``MIN_IMAGES`` of them,
    of one length and size at ``frame_rate``; skipped folder entries are warned, and
    anything unreadable or odd is an error naming the file."""
    from benchbench.data.video_files import read_videos

    if frame_rate <= 0:
        raise fail(f"--frame-rate {frame_rate}: give a positive whole number of frames/s")
    if not path.exists():
        raise fail(f"{name} {path}: does not exist")
    try:
        videos = read_videos(path, frame_rate, warn)
    except ValueError as exc:  # VideoLoadError names the file and says why
        raise fail(f"{name} {exc}") from None
    too_few(name, path, len(videos.videos), "video")
    return videos


def too_few(name: str, path: Path, count: int, noun: str) -> None:
    """An error when ``path`` holds fewer than ``MIN_IMAGES`` samples (``noun``s)."""
    if count < MIN_IMAGES:
        raise fail(f"{name} {path}: {count} {noun}; every metric needs at least {MIN_IMAGES}")


def print_results(
    results: list[MetricResult],
    as_json: bool,
    confidence: float,
    last_title: str,
    last: Callable[[MetricResult], str],
) -> None:
    """One JSON object (metric -> value, interval, N, ...), or a table whose last column
    is ``last`` of each result, then each result's warnings."""
    if as_json:
        # strict JSON: a value that is not a finite number is written as null
        print(json.dumps({r.metric: _as_dict(r) for r in results}, indent=2, allow_nan=False))
        return
    table = Table("metric", "value", "95% CI" if confidence == 0.95 else "CI", "N", last_title)
    for r in results:
        interval = "" if r.ci_low is None else f"[{r.ci_low:.4g}, {r.ci_high:.4g}]"
        table.add_row(escape(r.label), f"{r.value:.4g}", interval, str(r.n), escape(last(r)))
    console.print(table)
    for r in results:
        for warning in r.warnings:
            err_console.print(
                f"[yellow]warning[/] {escape(r.label)}: {escape(warning)}", highlight=False
            )


def _as_dict(result) -> dict:
    return {
        "value": result.value if math.isfinite(result.value) else None,
        "label": result.label,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "n": result.n,
        "higher_is_better": result.higher_is_better,
        **{k: v if math.isfinite(v) else None for k, v in result.details.items()},
        "warnings": list(result.warnings),
        "signature": result.signature,
    }
