"""``bench score images REAL FAKE`` and ``bench weights fetch|verify``.

``score`` rates a folder (or ``.npz``) of generated images against a folder of real
ones with any registered metrics, without a suite or a store; REAL's features are
cached by content like a suite's reference set. ``weights`` fetches and checks the
pretrained files that the real extractors and LPIPS read from disk.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from benchbench.data import ImageSet
    from benchbench.metrics import MetricResult
    from benchbench.metrics.stats import BootstrapSpec

score_app = typer.Typer(
    help="Score samples without a suite: images, text, a language model's perplexity.",
    no_args_is_help=True,
)
weights_app = typer.Typer(
    help="Pretrained weights of the real feature extractors: fetch and verify.",
    no_args_is_help=True,
)
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

DEFAULT_METRICS = "fd,kd,is,precision,recall,density,coverage"
# A covariance, a mean over pairs, a nearest neighbour: none exists for a single image.
MIN_IMAGES = 2


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _warn(message: str) -> None:
    err_console.print(f"[yellow]warning[/] {escape(message)}", highlight=False, soft_wrap=True)


COMMAND_FOR_OUTPUT = {"image": "bench score images", "text": "bench score text"}


def metric_names(metrics: str, output: str) -> list[str]:
    """The names in ``--metrics``, each registered and scoring ``output`` ("image" or
    "text"): what a metric scores is the output whose inputs cover all of its own."""
    from benchbench.catalogue import INPUTS_BY_OUTPUT, METRICS
    from benchbench.registry import RegistryError

    names = [m.strip() for m in metrics.split(",") if m.strip()]
    if not names:
        raise _fail(f"--metrics {metrics!r} names no metric; see `bench list metrics`")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise _fail(f"--metrics lists {', '.join(map(repr, twice))} more than once")
    for name in names:
        try:
            inputs = set(METRICS.get(name).inputs)
        except RegistryError as exc:
            raise _fail(str(exc)) from None
        scores = [kind for kind, given in INPUTS_BY_OUTPUT.items() if inputs <= set(given)]
        if output not in scores:
            commands = " or ".join(f"`{COMMAND_FOR_OUTPUT[kind]}`" for kind in scores)
            raise _fail(f"metric {name!r} does not score {output}s; it belongs to {commands}")
    return names


def bootstrap_spec(resamples: int, confidence: float, seed: int) -> BootstrapSpec | None:
    """The intervals' recipe from ``--resamples``, ``--confidence`` and ``--seed`` (None:
    no intervals); a value out of range is an error naming the option."""
    from benchbench.metrics.stats import BootstrapSpec
    from benchbench.suite.schema import MAX_RESAMPLES  # the bound a suite's bootstrap.resamples has

    if not 0 <= resamples <= MAX_RESAMPLES:
        raise _fail(f"--resamples {resamples}: give 0 (no intervals) to {MAX_RESAMPLES}")
    if not 0 < confidence < 1:  # NaN fails too
        raise _fail(f"--confidence {confidence}: give a level between 0 and 1, e.g. 0.95")
    if seed < 0:
        raise _fail(f"--seed {seed}: give a non-negative integer")
    return BootstrapSpec(resamples, confidence, seed) if resamples else None


def _folder_option(path: Path | None, option: str, *, created: bool) -> Path | None:
    """``path`` if it is not given (``None``), a folder, or (``created``: made on first
    use) not there yet; a file, or a folder to read that does not exist, is an error."""
    if path is None or path.is_dir() or (created and not path.exists()):
        return path
    raise _fail(f"{option} {path} {'is not a folder' if path.exists() else 'does not exist'}")


def describe_os_error(exc: OSError) -> str:
    """``file: reason`` for an operating-system error, without Python's errno prefix (a
    folder that cannot be made because a file holds its name says so, not "File exists")."""
    if isinstance(exc, FileExistsError):
        reason = "is a file, where a folder is needed"
    else:
        reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


@score_app.command("images")
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
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    resamples: Annotated[
        int, typer.Option(help="Resamples for the confidence intervals (0: none).")
    ] = 50,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of resampling and of subset draws.")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N.")] = "auto",
    weights_dir: Annotated[
        Path | None, typer.Option(help="Directory searched first for extractor weights.")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Feature cache (default $BENCHBENCH_CACHE_DIR).")
    ] = None,
) -> None:
    """Score FAKE against REAL: every metric with its confidence interval and N."""
    from benchbench.extractors.cache import FeatureCache
    from benchbench.extractors.weights_files import MissingWeightsError
    from benchbench.measure.device import resolve_device
    from benchbench.metrics import MetricSetupError
    from benchbench.outputs.image import ImageEvaluator
    from benchbench.registry import RegistryError

    names = metric_names(metrics, "image")
    bootstrap = bootstrap_spec(resamples, confidence, seed)
    weights_dir = _folder_option(weights_dir, "--weights-dir", created=False)
    cache = FeatureCache(_folder_option(cache_dir, "--cache-dir", created=True))
    reference, generated = _image_set(real, "REAL"), _image_set(fake, "FAKE")
    try:
        evaluator = ImageEvaluator.for_reference(
            reference,
            names,
            features,
            bootstrap=bootstrap,
            seed=seed,
            device=resolve_device(device),
            cache=cache,
            weights_dir=weights_dir,
        )
        results = evaluator.evaluate(generated.images)
    except OSError as exc:
        raise _fail(describe_os_error(exc)) from None
    except (
        MetricSetupError,
        MissingWeightsError,
        RegistryError,
        RuntimeError,
        ValueError,
    ) as exc:
        raise _fail(str(exc)) from None
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
        images = load_images(path, _warn)
    except ImageLoadError as exc:
        raise _fail(str(exc)) from None
    count = len(images.images)
    if count < MIN_IMAGES:
        raise _fail(f"{name} {path}: {count} image; every metric needs at least {MIN_IMAGES}")
    return images


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


def weights_catalogue() -> dict:
    """Every downloadable weights set by the name ``bench weights`` takes."""
    from benchbench.extractors import EXTRACTORS
    from benchbench.metrics.image.lpips_diversity import BACKBONES

    catalogue = {}
    for name in EXTRACTORS.names():
        files = getattr(EXTRACTORS.get(name), "weights_files", None)
        if files is not None:
            catalogue[name] = files()
    catalogue.update({f"lpips-{net}": (file,) for net, file in BACKBONES.items()})
    return catalogue


def _entries(names: list[str]) -> dict:
    from benchbench.registry import UnknownNameError

    catalogue = weights_catalogue()
    for name in names:
        if name not in catalogue:
            raise _fail(str(UnknownNameError("weights set", name, list(catalogue))))
    return {name: catalogue[name] for name in names or catalogue}


@weights_app.command("fetch")
def weights_fetch(
    names: Annotated[list[str], typer.Argument(help="Extractor names, e.g. inception-v3-compat.")],
) -> None:
    """Download weights into $TORCH_HOME/hub, checking the published hash."""
    from benchbench.extractors.weights_files import fetch_file

    for name, files in _entries(names).items():
        for file in files:
            try:
                path = fetch_file(file)
            except Exception as exc:  # network, HTTP and hash errors all end here
                raise _fail(f"{name}: cannot fetch {file.url}: {exc}") from None
            console.print(f"{name}: {path}")


@weights_app.command("verify")
def weights_verify(
    names: Annotated[list[str] | None, typer.Argument(help="Names (default: all).")] = None,
    weights_dir: Annotated[Path | None, typer.Option(help="Directory searched first.")] = None,
) -> None:
    """Check the sha256 of every weights file present; exit 1 on a mismatch."""
    from benchbench.extractors.weights_files import (
        MissingWeightsError,
        find_weights,
        verify_file,
    )

    table = Table("name", "file", "status", "sha256")
    bad = False
    for name, files in _entries(names or []).items():
        for file in files:
            try:
                path = find_weights(name, file, weights_dir)
            except MissingWeightsError:
                table.add_row(name, file.name, "missing", "")
                continue
            ok, digest = verify_file(file, path)
            bad |= not ok
            status = ("ok" if file.sha256 else "present (no published hash)") if ok else "MISMATCH"
            table.add_row(name, str(path), status, digest[:16])
    console.print(table)
    if bad:
        raise typer.Exit(1)


from benchbench.cli.score_text import register as register_text  # noqa: E402 (needs score_app)

register_text(score_app)
