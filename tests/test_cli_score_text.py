"""``bench score text`` and ``bench score perplexity``: JSON like ``bench score images``,
values equal to the reference libraries, and clear errors for bad input."""

from __future__ import annotations

import json

import pytest
import sacrebleu
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data.prose import continuations
from tests.support.text_models import tiny_gpt


@pytest.fixture
def files(tmp_path):
    task = continuations()
    ref = tmp_path / "ref.txt"
    hyp = tmp_path / "hyp.txt"
    ref.write_text("\n".join(task.references[:30]) + "\n")
    hyp.write_text("\n".join(task.references[1:31]) + "\n")
    return hyp, ref


def invoke(*args: str):
    return CliRunner().invoke(app, ["score", *args])


def test_score_text_json_has_the_images_shape_and_sacrebleu_values(files):
    hyp, ref = files
    result = invoke(
        "text", "--hyp", str(hyp), "--ref", str(ref), "--metrics", "bleu,chrf,rouge-s4", "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["bleu", "chrf", "rouge-s4"]
    keys = {"value", "label", "ci_low", "ci_high", "n", "higher_is_better", "warnings", "signature"}
    assert keys <= set(out["bleu"])
    hyps, refs = hyp.read_text().splitlines(), ref.read_text().splitlines()
    assert out["bleu"]["value"] == sacrebleu.corpus_bleu(hyps, [refs]).score
    assert out["bleu"]["n"] == 30 and out["bleu"]["ci_low"] < out["bleu"]["value"]


def test_mismatched_line_counts_are_a_clear_error(files, tmp_path):
    _, ref = files
    short = tmp_path / "short.txt"
    short.write_text("one line\n")
    result = invoke("text", "--hyp", str(short), "--ref", str(ref))
    assert result.exit_code == 2
    assert "short.txt has 1 lines but" in result.output and "has 30" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "blue"], "Did you mean 'bleu'"),
        (["--metrics", "perplexity"], "use `bench score perplexity`"),
    ],
)
def test_bad_metric_names_are_clear_errors(files, args, message):
    hyp, ref = files
    result = invoke("text", "--hyp", str(hyp), "--ref", str(ref), *args)
    assert result.exit_code == 2 and message in result.output


def test_missing_and_empty_files(files, tmp_path):
    hyp, _ = files
    result = invoke("text", "--hyp", str(hyp), "--ref", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2 and "nope.txt not found" in result.output
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = invoke("text", "--hyp", str(empty), "--ref", str(empty))
    assert result.exit_code == 2 and "has no lines" in result.output


def test_score_perplexity_on_a_local_model_and_the_zoo(tmp_path):
    model = tiny_gpt(tmp_path / "gpt", n_positions=32)
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat\n\na function returns a value to the caller\n")
    result = invoke(
        "perplexity", "--model", str(model), "--text", str(text), "--stride", "16", "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["perplexity", "perplexity-word", "bits-per-byte"]
    assert out["perplexity"]["n"] == 2 and out["perplexity"]["signature"]["stride"] == 16
    result = invoke("perplexity", "--model", "zoo:ngram-prose", "--text", str(text), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["perplexity-word"]["warnings"]


@pytest.mark.parametrize(
    ("model", "extra", "message"),
    [
        ("zoo:gpt-pros", [], "Did you mean 'gpt-prose'"),
        ("missing-dir", [], "not found"),
        ("zoo:ngram-prose", ["--adapter", "gan"], "not a language model"),
    ],
)
def test_score_perplexity_errors(tmp_path, model, extra, message):
    text = tmp_path / "text.txt"
    text.write_text("some words\n")
    result = invoke("perplexity", "--model", model, "--text", str(text), *extra)
    assert result.exit_code == 2 and message in result.output


def test_hf_model_with_too_large_stride_is_a_clear_error(tmp_path):
    model = tiny_gpt(tmp_path / "gpt", n_positions=32)
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat\n")
    result = invoke("perplexity", "--model", str(model), "--text", str(text), "--stride", "32")
    assert result.exit_code == 2 and "stride must be in 1..31" in result.output
