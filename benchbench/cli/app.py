"""The ``bench`` command line, assembled: each command lives in its own module of
``benchbench.cli``; this one only names them and groups them.

Exit codes: 0 success, 1 a failure the command exists to report (a failed cell, a gate
regression), 2 bad input (suite, names, files, store), 130 interrupted (completed cells
are kept; run again to resume).
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable

import typer

from benchbench.cli import gate, human, plugins, report, run, score, score_text, weights, zoo


def group(help: str) -> typer.Typer:
    return typer.Typer(help=help, no_args_is_help=True)


def add(parent: typer.Typer, name: str, command: Callable[..., None]) -> None:
    """Register ``command`` as ``name``, its docstring's paragraphs reflowed: a help text
    breaks lines where the terminal ends, not where the source did."""
    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    text = "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)
    parent.command(name, help=text)(command)


app = typer.Typer(
    help="benchbench: benchmark generative models — speed, memory and quality, stored in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """benchbench: benchmark generative models — speed, memory and quality, stored in DuckDB.

    ``package.module:function`` targets in suites are imported with the current directory
    on the import path, as ``python -m`` does.
    """
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


add(app, "run", run.run)
add(app, "list", plugins.list_plugins)
add(app, "gate", gate.gate)
add(app, "report", report.report)
add(app, "compare", report.compare)

zoo_app = group("The embedded zoo: small models trained by benchbench's own recipes.")
add(zoo_app, "list", zoo.zoo_list)
add(zoo_app, "card", zoo.zoo_card)
add(zoo_app, "train", zoo.zoo_train)
app.add_typer(zoo_app, name="zoo")

score_app = group(
    "Score samples without a suite: images, audio, video, text, a language model's perplexity."
)
add(score_app, "images", score.score_images)
add(score_app, "audio", score.score_audio)
add(score_app, "video", score.score_video)
add(score_app, "text", score_text.score_text)
add(score_app, "perplexity", score_text.score_perplexity)
app.add_typer(score_app, name="score")

weights_app = group("Pretrained weights of the real feature extractors: fetch and verify.")
add(weights_app, "fetch", weights.weights_fetch)
add(weights_app, "verify", weights.weights_verify)
app.add_typer(weights_app, name="weights")

baseline_app = group("Baselines: the accepted values the gate compares runs with.")
add(baseline_app, "accept", gate.baseline_accept)
app.add_typer(baseline_app, name="baseline")

human_app = group("Human evaluation: blinded A/B and rating studies on stored samples.")
add(human_app, "create", human.create)
add(human_app, "serve", human.serve)
add(human_app, "export", human.export)
add(human_app, "import", human.import_)
add(human_app, "results", human.results)
app.add_typer(human_app, name="human")
