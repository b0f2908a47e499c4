"""``bench score text`` and ``bench score perplexity``: text metrics without a suite.

``text`` scores a file of generations against a file of references, one segment per
line; ``perplexity`` scores a language model on a text file, each non-empty line a
segment (scored on its own, with a sliding window when it is longer than the
model's context). Both print the same JSON shape as ``bench score images``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchbench.cli.common import describe_os_error, fail
from benchbench.cli.score import bootstrap_spec, metric_names, print_results

if TYPE_CHECKING:
    from benchbench.metrics import MetricResult

TEXT_METRICS = "bleu,chrf,ter,rouge1,rouge2,rouge-l,rouge-lsum,rouge-s,rouge-s4,distinct-2"
PERPLEXITY_METRICS = ("perplexity", "perplexity-word", "bits-per-byte")


def read_lines(path: Path, what: str, skip_empty: bool = False) -> list[str]:
    """The file's lines (UTF-8), without line ends; errors name the file. Only a regular
    file is read: a pipe or a device could block or never end."""
    if path.is_dir():
        raise fail(f"{what} {path} is a folder; give a text file, one segment per line")
    if path.exists() and not path.is_file():
        raise fail(f"{what} {path} is not a regular file (a pipe or a device?)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"{what} file {path} not found") from None
    except OSError as exc:
        raise fail(f"{what} file {describe_os_error(exc)}") from None
    except UnicodeDecodeError as exc:
        raise fail(f"{what} file {path} is not UTF-8 text (byte {exc.start})") from None
    lines = text.splitlines()
    if skip_empty:
        lines = [line for line in lines if line.strip()]
    if not lines:
        raise fail(f"{what} file {path} has no lines to score")
    return lines


def print_text_results(results: list[MetricResult], as_json: bool, confidence: float) -> None:
    """``print_results`` with the library's own signature (sacrebleu's, the tokenizer)."""
    print_results(
        results,
        as_json,
        confidence,
        "signature",
        lambda r: r.signature.get("sacrebleu") or r.signature.get("tokenizer") or "",
    )


Resamples = Annotated[int, typer.Option(help="Bootstrap resamples over segments (0: no CI).")]
Confidence = Annotated[float, typer.Option(help="Confidence level of the intervals.")]
Seed = Annotated[int, typer.Option(help="Seed of the bootstrap.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def score_text(
    hyp: Annotated[Path, typer.Option("--hyp", help="Generations, one segment per line.")],
    ref: Annotated[Path, typer.Option("--ref", help="References, line i for hypothesis i.")],
    metrics: Annotated[str, typer.Option(help="Comma-separated text metrics.")] = TEXT_METRICS,
    as_json: AsJson = False,
    resamples: Resamples = 200,
    confidence: Confidence = 0.95,
    seed: Seed = 0,
) -> None:
    """Score HYP against REF, line by line: each metric with its CI, N and signature."""
    from benchbench.catalogue import METRICS
    from benchbench.hashing import sha256_bytes
    from benchbench.metrics import MetricSetupError
    from benchbench.outputs.text import TextEvaluator, TextSamples
    from benchbench.registry import RegistryError

    names = metric_names(metrics, "text")
    bootstrap = bootstrap_spec(resamples, confidence, seed)
    hyps, refs = read_lines(hyp, "--hyp"), read_lines(ref, "--ref")
    if len(hyps) != len(refs):
        raise fail(
            f"{hyp} has {len(hyps)} lines but {ref} has {len(refs)}: "
            f"one segment per line, line i of --hyp is scored against line i of --ref"
        )
    try:
        for name in names:
            if "model" in METRICS.get(name).inputs:
                raise fail(f"metric {name!r} scores a model: use `bench score perplexity`")
        reference = f"{ref.name}@{sha256_bytes(chr(10).join(refs).encode())[:16]}"
        evaluator = TextEvaluator(
            names,
            reference,
            heldout=[],
            bootstrap=bootstrap,
        )
        results = evaluator.evaluate(TextSamples(hyps, [], refs, []))
    except (MetricSetupError, RegistryError, ValueError) as exc:
        raise fail(str(exc)) from None
    print_text_results(results, as_json, confidence)


def load_language_model(spec: str, adapter_name: str | None):
    """``zoo:NAME`` (its adapter from the zoo entry) or a path with ``--adapter``
    (a directory defaults to a Hugging Face causal LM)."""
    from benchbench.adapters import resolve_adapter
    from benchbench.adapters.weights import resolve_weights

    path = resolve_weights(spec, Path.cwd())
    if adapter_name is None:
        if spec.startswith("zoo:"):
            from benchbench.zoo import entry

            adapter_name = entry(spec.removeprefix("zoo:")).family
        elif path.is_dir():
            adapter_name = "hf-causal-lm"
        else:
            raise ValueError(f"{spec} is a file: say which adapter reads it with --adapter")
    adapter = resolve_adapter(adapter_name)
    if getattr(adapter, "output", None) != "text":
        raise ValueError(f"adapter {adapter_name!r} is not a language model")
    import torch

    return adapter.load(path, torch.device("cpu"))


def score_perplexity(
    model: Annotated[str, typer.Option("--model", help="zoo:NAME or a local model path.")],
    text: Annotated[Path, typer.Option("--text", help="Text file; each non-empty line a segment.")],
    stride: Annotated[
        int | None, typer.Option(help="Sliding-window advance in tokens (default: half window).")
    ] = None,
    adapter: Annotated[
        str | None, typer.Option(help="Adapter for a path (default: hf-causal-lm for a folder).")
    ] = None,
    as_json: AsJson = False,
    resamples: Resamples = 200,
    confidence: Confidence = 0.95,
    seed: Seed = 0,
) -> None:
    """Perplexity of MODEL on TEXT: per token, per word and bits per byte, with CIs."""
    from benchbench.adapters.text_hf import MissingModelError
    from benchbench.adapters.weights import WeightsError
    from benchbench.catalogue import METRICS
    from benchbench.hashing import sha256_bytes
    from benchbench.metrics import MetricSetupError
    from benchbench.registry import RegistryError

    bootstrap = bootstrap_spec(resamples, confidence, seed)
    if stride is not None and stride < 1:
        raise fail(f"--stride {stride}: give a positive number of tokens")
    segments = read_lines(text, "--text", skip_empty=True)
    reference = f"{text.name}@{sha256_bytes(chr(10).join(segments).encode())[:16]}"
    try:
        lm = load_language_model(model, adapter)
        shared: dict = {}
        results = []
        for name in PERPLEXITY_METRICS:
            metric = METRICS.get(name)(reference=reference, bootstrap=bootstrap, stride=stride)
            metric.update_model(lm, segments)
            results.append(metric.compute(shared))
    except (
        MissingModelError,
        WeightsError,
        MetricSetupError,
        RegistryError,
        ValueError,
    ) as exc:
        raise fail(str(exc)) from None
    print_text_results(results, as_json, confidence)
