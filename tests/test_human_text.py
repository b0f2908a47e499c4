"""Human evaluation of a real text run, end to end: a small suite of the text zoo
(trigram at two temperatures and the byte LSTM) is run and stored, an A/B study with
two questions and ties and a rating study are created on its cells, scripted raters
complete them through the real HTTP endpoints (join link, session cookie, CSRF token),
and `bench human results` and the leaderboard's human columns read the votes back.

Each page is checked against the store: the prompt is shown once, above the two
generations of the same prompt (sample k of two cells), each exactly as stored (or its
scrambled planted copy), escaped. The raters are a rule, not people: they prefer the
side with the larger share of word pairs seen in the training prose and answer "no
preference" when the shares are within 0.02 (one rater always has no preference on
coherence, which also fails a planted check). The byte LSTM's text is near gibberish, so
its scrambled planted copy is not obviously worse (the rule, like a person, may tie or
prefer it); the studies let a rater fail half their checks.
"""

from __future__ import annotations

import html
import http.cookiejar
import itertools
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.data.prose import split_text
from benchbench.human.design import create_study
from benchbench.human.results import human_scores, study_results
from benchbench.human.samples import read_samples
from benchbench.human.study import load_study
from benchbench.run.driver import run_suite
from benchbench.store.human import TIE, HumanStore
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.human_serving import serving

pytestmark = pytest.mark.slow

SUITE = {
    "name": "text-human",
    "seed": 0,
    "device": "cpu",
    "reference": {"dataset": "prose", "split": "heldout"},
    "metrics": ["bleu", "distinct-2"],
    "bootstrap": {"resamples": 20},
    "sampling": {"num_samples": 8, "batch_size": 8},
    "timing": {"warmup": 1, "min_repeats": 1, "min_seconds": 0.0},
    "models": [
        {
            "name": "trigram",
            "adapter": "ngram-lm",
            "weights": "zoo:ngram-prose",
            "params": {"temperature": [0.5, 1.5], "max_new_tokens": 24},
        },
        {
            "name": "lstm",
            "adapter": "lstm-lm",
            "weights": "zoo:lstm-prose",
            "params": {"temperature": 1.0, "max_new_tokens": 80},
        },
    ],
}
AB = {
    "name": "text-ab",
    "description": "Two continuations of the same passage.",
    "suite": "text-human",
    "task": "ab",
    "questions": [
        {"id": "fluent", "text": "Which continuation reads more like fluent English?"},
        {"id": "coherent", "text": "Which follows on from the prompt better?"},
    ],
    "samples_per_cell": 8,
    "tasks_per_rater": 8,
    "attention": {"repeats": 1, "planted": 1, "min_pass_rate": 0.5},
    "bootstrap": {"resamples": 200},
}
RATING = {
    "name": "text-rating",
    "suite": "text-human",
    "task": "rating",
    "questions": [{"id": "fluent", "text": "How fluent is this continuation?"}],
    "samples_per_cell": 4,
    "tasks_per_rater": 6,
    "attention": {"repeats": 1, "planted": 1, "min_pass_rate": 0.5},
    "bootstrap": {"resamples": 200},
}
RATERS = 5
TRAIN_WORDS = re.findall(r"[a-z]+", split_text("train").lower())
BIGRAMS = set(itertools.pairwise(TRAIN_WORDS))


def english(text: str) -> float:
    """The share of the text's word pairs that occur in the training prose."""
    words = re.findall(r"[a-z]+", text.lower())
    pairs = list(itertools.pairwise(words))
    return sum(pair in BIGRAMS for pair in pairs) / max(len(pairs), 1)


def no_check(*page: object) -> None:
    pass


class Rater:
    """A browser-like client: a cookie jar, no redirects hidden from the checks."""

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, form: dict[str, str]) -> str:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.read().decode()


def shown_on(page: str) -> tuple[list[str], list[str], dict[str, str]]:
    """The prompts, the texts (unescaped) and the hidden form fields of a task page."""
    prompts = re.findall(r'<p class="prompt" id="prompt">Prompt: <span>([^<]*)</span>', page)
    texts = re.findall(r'<div class="text">([^<]*)</div>', page)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    return [html.unescape(p) for p in prompts], [html.unescape(t) for t in texts], fields


def complete(base: str, token: str, worker: str, task: str, questions: list[str], expect) -> int:
    """One rater does every task; ``expect(worker, fields, texts, prompt)`` sees each page."""
    rater = Rater(base)
    page = rater.get(f"/join/{token}?worker={worker}")
    done = 0
    while 'id="vote"' in page:
        prompts, texts, fields = shown_on(page)
        assert len(prompts) == 1 and page.count("Prompt:") == 1
        expect(worker, fields, texts, prompts[0])
        if task == "ab":
            left, right = english(texts[0]), english(texts[1])
            answer = "tie" if abs(left - right) < 0.02 else "left" if left > right else "right"
        else:
            answer = str(1 + round(4 * english(texts[0])))
        form = {f"q_{q}": answer for q in questions}
        if worker == "w0" and task == "ab":
            form["q_coherent"] = "tie"  # this rater never has a view on coherence
        page = rater.post("/vote", {**fields, **form})
        done += 1
    assert "All" in page and "tasks are done" in page
    return done


@pytest.fixture(scope="module")
def text_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("human-text")
    (folder / "suite.yaml").write_text(yaml.safe_dump(SUITE, sort_keys=False))
    db = folder / "bench.duckdb"
    with Store(db) as store:
        result = run_suite(load_suite(folder / "suite.yaml"), store)
        assert (result.executed, result.failed) == (3, 0)
    return db


def test_text_studies_end_to_end(text_run: Path, tmp_path: Path):
    records = {}
    with Store(text_run) as store:
        for spec in (AB, RATING):
            (tmp_path / f"{spec['name']}.yaml").write_text(yaml.safe_dump(spec))
            records[spec["name"]] = create_study(
                load_study(tmp_path / f"{spec['name']}.yaml"), store
            )
        humans = HumanStore(store)
        items = {r.item_id: r for r in humans.items("text-ab").itertuples()}
        stored = {
            cell: read_samples(humans.artifacts(cell))
            for cell in {r.cell_id for r in items.values()}
        }
    assert records["text-ab"].sample_kind == "text"
    seen: list[tuple[str, dict[str, str], list[str], str]] = []

    def remember(worker: str, fields: dict[str, str], texts: list[str], prompt: str) -> None:
        assert len(texts) == 2  # side by side, one prompt above
        seen.append((worker, fields, texts, prompt))

    with serving(text_run, "text-ab") as base:
        answered = [
            complete(
                base, records["text-ab"].token, f"w{r}", "ab", ["fluent", "coherent"], remember
            )
            for r in range(RATERS)
        ]
    assert answered == [8 + 1 + 1] * RATERS  # tasks, a repeated pair, a planted copy

    with Store(text_run) as store:
        votes = HumanStore(store).votes("text-ab")
        rater_of = {w: r for r, w in HumanStore(store).external_ids("text-ab").items()}
        for worker, fields, texts, prompt in seen:
            mine = (votes["rater_id"] == rater_of[worker]) & (votes["task_id"] == fields["task"])
            vote = votes[mine].iloc[0]
            sides = json.loads(vote.shown)["sides"]
            assert len({items[s].sample_index for s in sides}) == 1  # the same sample k
            for side, text in zip(sides, texts, strict=True):
                cell, k = items[side].cell_id, int(items[side].sample_index)
                assert stored[cell].prompts[k] == prompt  # both sides answered this prompt
                original = stored[cell].values[k]
                if items[side].planted:
                    assert sorted("".join(text.split())) == sorted("".join(original.split()))
                else:
                    assert text == original
        assert len(votes) == 2 * RATERS * 10 and (votes["choice"] == TIE).any()

        found = study_results(store, "text-ab")
        assert [r.excluded for r in found.raters] == [False] * RATERS
        undecided = next(r for r in found.raters if r.external_id == "w0")
        assert "planted" in undecided.failed_kinds and "repeat" not in undecided.failed_kinds
        assert [q.question for q in found.questions] == ["fluent", "coherent"]
        for q in found.questions:
            assert q.wins.sum() == RATERS * 8  # real tasks only, ties as two halves
            assert (q.low < q.score).all() and (q.score < q.high).all()
        columns = {s.label for s in human_scores(store, found.cell_ids)}
        assert columns == {"human BT[text-ab:fluent]", "human BT[text-ab:coherent]"}

    with serving(text_run, "text-rating") as base:
        rated = [
            complete(base, records["text-rating"].token, f"w{r}", "rating", ["fluent"], no_check)
            for r in range(3)
        ]
    assert rated == [6 + 1 + 1] * 3

    runner = CliRunner()
    for name, score in (("text-ab", "BT strength"), ("text-rating", "MOS")):
        result = runner.invoke(app, ["human", "results", "--db", str(text_run), "--study", name])
        assert result.exit_code == 0, result.output
        assert score in result.output and "Kendall's tau" in result.output
    ab = runner.invoke(app, ["human", "results", "--db", str(text_run), "--study", "text-ab"])
    assert "fluent" in ab.output and "coherent" in ab.output and "ties half" in ab.output
