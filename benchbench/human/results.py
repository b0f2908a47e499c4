"""A study's results: attention checks first (who is excluded), then per question the
human score of each cell with its interval (Bradley–Terry strength or mean opinion
score), the win-rate matrix, inter-rater agreement, and how well each automatic metric
of the run ranks the cells the way people did (Kendall's tau).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from benchbench.human.design import PLANTED, REAL, REPEAT
from benchbench.human.stats import (
    bt_with_intervals,
    krippendorff_alpha,
    mos_with_intervals,
    win_matrix,
)
from benchbench.human.study import Study
from benchbench.metrics.stats import BootstrapSpec
from benchbench.store.human import TIE, HumanStore, StudyRecord, studies_judging
from benchbench.store.rows import StoredMeasurement
from benchbench.store.runs import Store


@dataclass(frozen=True)
class RaterCheck:
    rater_id: str
    external_id: str | None
    votes: int
    checks: int
    passed: int
    excluded: bool
    failed_kinds: tuple[str, ...] = ()  # the kind of each failed check: planted or repeat

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checks if self.checks else float("nan")


@dataclass(frozen=True)
class Correlation:
    """Kendall's tau-b between the human score and a metric oriented so that higher is
    better (so +1 means the metric ranks the cells exactly as people did)."""

    metric: str
    tau: float
    p_value: float
    n: int


@dataclass
class QuestionResult:
    question: str
    text: str
    score: np.ndarray  # per cell: BT strength (A/B) or mean rating
    low: np.ndarray
    high: np.ndarray
    votes: np.ndarray  # per cell: judgements involving it
    alpha: float  # Krippendorff's alpha (nominal for A/B, interval for ratings)
    wins: np.ndarray | None = None  # A/B: wins[i, j]
    correlations: list[Correlation] = field(default_factory=list)

    @property
    def win_rates(self) -> np.ndarray | None:
        return None if self.wins is None else win_matrix(self.wins)


@dataclass
class StudyResults:
    record: StudyRecord
    study: Study
    cell_ids: list[str]
    labels: list[str]
    raters: list[RaterCheck]
    questions: list[QuestionResult]
    median_seconds: float

    @property
    def score_name(self) -> str:
        return "BT strength" if self.study.task == "ab" else "MOS"

    @property
    def score_label(self) -> str:
        return "BT" if self.study.task == "ab" else "MOS"


def study_results(store: Store, name: str) -> StudyResults:
    humans = HumanStore(store)
    record = humans.study(name)
    if record is None:
        raise LookupError(f"no study {name!r} in {store.path}")
    study = Study.model_validate(record.spec)
    cells = _study_cells(store, humans, record)
    cell_ids = list(cells)
    votes = humans.votes(name)
    raters = _attention(study, votes, humans.external_ids(name))
    kept = {r.rater_id for r in raters if not r.excluded}
    real = votes[(votes["check_kind"] == REAL) & votes["rater_id"].isin(kept)]
    spec = BootstrapSpec(study.bootstrap.resamples, study.bootstrap.confidence, study.seed)
    measured = _metrics(store, record.run_id, cell_ids)
    questions = []
    for q in study.questions:
        answers = real[real["question"] == q.id]
        result = (
            _ab(q.id, q.text, answers, cell_ids, spec)
            if study.task == "ab"
            else _rating(q.id, q.text, answers, cell_ids, spec)
        )
        result.correlations = _correlations(result.score, measured)
        questions.append(result)
    seconds = real.drop_duplicates(["rater_id", "task_id"])["seconds"].dropna()
    return StudyResults(
        record,
        study,
        cell_ids,
        list(cells.values()),
        raters,
        questions,
        float(seconds.median()) if len(seconds) else float("nan"),
    )


def _study_cells(store: Store, humans: HumanStore, record: StudyRecord) -> dict[str, str]:
    """The study's cells in run order, with a label (model and suite params)."""
    items = humans.items(record.study)
    wanted = set(items["cell_id"])
    labels = {}
    for c in store.run_cells(record.run_id):
        if c.cell_id in wanted:
            knobs = (f"{k}={v}" for k, v in c.suite_params.items())
            labels[c.cell_id] = " ".join([c.model_name, *knobs])
    return labels


def _attention(
    study: Study, votes: pd.DataFrame, external: dict[str, str | None]
) -> list[RaterCheck]:
    """Each rater's checks: planted samples must lose (A/B) or be rated low; a repeated
    task must get the same answer (ratings: within the tolerance)."""
    settings = study.attention
    answers = {
        (r.rater_id, r.task_id, r.question): r.choice if study.task == "ab" else r.rating
        for r in votes.itertuples()
    }
    checks: dict[str, list[tuple[str, bool]]] = {}
    for r in votes.itertuples():
        if r.check_kind == PLANTED:
            passed = (
                r.choice == r.item_a  # item_b is the planted copy
                if study.task == "ab"
                else r.rating <= settings.planted_max_rating
            )
        elif r.check_kind == REPEAT:
            first = answers.get((r.rater_id, r.repeat_of, r.question))
            if first is None:
                continue
            mine = answers[(r.rater_id, r.task_id, r.question)]
            passed = (
                mine == first
                if study.task == "ab"
                else abs(int(mine) - int(first)) <= settings.repeat_tolerance
            )
        else:
            continue
        checks.setdefault(r.rater_id, []).append((r.check_kind, bool(passed)))
    result = []
    for rater_id in sorted(set(votes["rater_id"]) | set(external)):
        mine = checks.get(rater_id, [])
        count = len(votes[(votes["rater_id"] == rater_id)].drop_duplicates("task_id"))
        passed = sum(ok for _, ok in mine)
        excluded = bool(mine) and passed / len(mine) < settings.min_pass_rate
        failed = tuple(sorted(kind for kind, ok in mine if not ok))
        result.append(
            RaterCheck(rater_id, external.get(rater_id), count, len(mine), passed, excluded, failed)
        )
    return result


def _rater_index(answers: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    raters = sorted(set(answers["rater_id"]))
    position = {r: i for i, r in enumerate(raters)}
    return raters, answers["rater_id"].map(position).to_numpy(int)


def _ab(
    question: str, text: str, answers: pd.DataFrame, cell_ids: list[str], spec: BootstrapSpec
) -> QuestionResult:
    k = len(cell_ids)
    position = {c: i for i, c in enumerate(cell_ids)}
    raters, who = _rater_index(answers)
    a = answers["cell_a"].map(position).to_numpy(int)
    b = answers["cell_b"].map(position).to_numpy(int)
    a_won = (answers["cell_choice"] == answers["cell_a"]).to_numpy(np.float64)
    a_share = np.where(answers["choice"] == TIE, 0.5, a_won)  # a tie is half a win each
    per_rater = np.zeros((max(len(raters), 1), k, k))
    np.add.at(per_rater, (who, a, b), a_share)
    np.add.at(per_rater, (who, b, a), 1.0 - a_share)
    theta, low, high = bt_with_intervals(per_rater, spec)
    wins = per_rater.sum(0)
    units = _units(answers, a_share, raters, who)
    return QuestionResult(
        question,
        text,
        theta,
        low,
        high,
        (wins + wins.T).sum(1),
        krippendorff_alpha(units, "nominal"),
        wins=wins,
    )


def _rating(
    question: str, text: str, answers: pd.DataFrame, cell_ids: list[str], spec: BootstrapSpec
) -> QuestionResult:
    k = len(cell_ids)
    position = {c: i for i, c in enumerate(cell_ids)}
    raters, who = _rater_index(answers)
    cell = answers["cell_a"].map(position).to_numpy(int)
    rating = answers["rating"].to_numpy(np.float64)
    sums = np.zeros((max(len(raters), 1), k))
    counts = np.zeros_like(sums)
    np.add.at(sums, (who, cell), rating)
    np.add.at(counts, (who, cell), 1.0)
    mos, low, high = mos_with_intervals(sums, counts, spec)
    units = _units(answers, rating, raters, who)
    return QuestionResult(
        question, text, mos, low, high, counts.sum(0), krippendorff_alpha(units, "interval")
    )


def _units(answers: pd.DataFrame, values: np.ndarray, raters: list[str], who: np.ndarray):
    """Reliability data [rater, task] for Krippendorff's alpha (NaN where not judged)."""
    tasks = {t: i for i, t in enumerate(sorted(set(answers["task_id"])))}
    data = np.full((len(raters), len(tasks)), np.nan)
    data[who, answers["task_id"].map(tasks).to_numpy(int)] = values
    return data


def _metrics(store: Store, run_id: str, cell_ids: list[str]) -> dict[str, np.ndarray]:
    """Each quality metric of the run, per study cell, oriented so higher is better."""
    by_label: dict[str, list[StoredMeasurement]] = {}
    for m in store.run_measurements(run_id):
        if m.kind == "quality" and m.cell_id in cell_ids:
            by_label.setdefault(m.label, []).append(m)
    found: dict[str, np.ndarray] = {}
    for label, rows in sorted(by_label.items()):
        if any(m.higher_is_better is None for m in rows):
            continue  # no direction, no meaningful sign for tau
        values = {m.cell_id: m.value if m.higher_is_better else -m.value for m in rows}
        found[label] = np.array([values.get(c, np.nan) for c in cell_ids], np.float64)
    return found


def _correlations(score: np.ndarray, metrics: dict[str, np.ndarray]) -> list[Correlation]:
    result = []
    for label, values in metrics.items():
        ok = ~np.isnan(values) & ~np.isnan(score)
        if ok.sum() < 2:
            continue
        tau, p = kendalltau(score[ok], values[ok])
        result.append(Correlation(label, float(tau), float(p), int(ok.sum())))
    return result


@dataclass(frozen=True)
class HumanScore:
    """One cell's human score in one study, as the leaderboard shows it."""

    cell_id: str
    metric: str  # "human_bt" | "human_mos"
    label: str  # "human BT[digits-ab]", or "human BT[digits-ab:sharp]" with several questions
    value: float
    low: float | None
    high: float | None
    n: int  # judgements of the cell by kept raters
    ci_level: float
    signature: dict


def human_scores(store: Store, cell_ids: list[str]) -> list[HumanScore]:
    """Every question's score of every study that judged any of ``cell_ids`` (one
    leaderboard column per study and question); none when the store has no studies."""
    scores = []
    for name in studies_judging(store, cell_ids):
        found = study_results(store, name)
        metric = "human_bt" if found.study.task == "ab" else "human_mos"
        kept = sum(not r.excluded for r in found.raters)
        for q in found.questions:
            column = name if len(found.questions) == 1 else f"{name}:{q.question}"
            signature = {
                "study": name,
                "spec_hash": found.record.spec_hash,
                "question": q.question,
                "raters_kept": kept,
                "raters_excluded": len(found.raters) - kept,
                "interval": f"rater bootstrap {found.study.bootstrap.resamples}, t",
            }
            for i, cell_id in enumerate(found.cell_ids):
                if q.votes[i] == 0:
                    continue
                low, high = (
                    (None, None) if np.isnan(q.low[i]) else (float(q.low[i]), float(q.high[i]))
                )
                scores.append(
                    HumanScore(
                        cell_id,
                        metric,
                        f"human {found.score_label}[{column}]",
                        float(q.score[i]),
                        low,
                        high,
                        int(q.votes[i]),
                        found.study.bootstrap.confidence,
                        signature,
                    )
                )
    return scores
