"""Study results from simulated raters on a real run: the human order is recovered,
spammers are excluded by the attention checks, Kendall's tau against the run's FD
matches scipy, `bench human results` prints it, and CSV export/import round-trips."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy.stats import kendalltau
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.human.design import create_study
from benchbench.human.interchange import InterchangeError, export_tasks, import_votes
from benchbench.human.results import study_results
from benchbench.human.study import load_study
from benchbench.store.runs import Store
from tests.support.human_sim import simulate
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)
runner = CliRunner()


def fd_of_cells(store: Store, run_id: str) -> dict[str, float]:
    return {m.cell_id: m.value for m in store.run_measurements(run_id) if m.metric == "fd"}


@pytest.fixture
def ab_store(human_db, write_study):
    spec = study(tasks_per_rater=12, attention={"repeats": 2, "planted": 2})
    with Store(human_db) as store:
        record = create_study(load_study(write_study(spec)), store)
        yield store, record


@pytest.mark.slow
def test_ab_results_recover_the_order_and_exclude_spammers(ab_store):
    store, record = ab_store
    fd = fd_of_cells(store, record.run_id)
    ranks = np.argsort(np.argsort([fd[c] for c in fd]))  # 0 = lowest FD = best
    strength = {c: 1.5 * (len(fd) / 2 - rank) for c, rank in zip(fd, ranks, strict=True)}
    simulate(store, "ab", strength, honest=30, spammers=3, seed=1)
    found = study_results(store, "ab")
    excluded = {r.rater_id for r in found.raters if r.excluded}
    assert excluded == {f"sim-1-{r}" for r in (30, 31, 32)}
    assert all(r.pass_rate == 1.0 for r in found.raters if r.rater_id not in excluded)
    q = found.questions[0]
    true = np.array([strength[c] for c in found.cell_ids])
    assert np.array_equal(np.argsort(q.score), np.argsort(true))
    assert (q.low < q.score).all() and (q.score < q.high).all()
    n = len(found.cell_ids)
    assert q.wins.sum() == 30 * 12 and np.nansum(q.win_rates + q.win_rates.T) == n * (n - 1)
    (tau,) = [c for c in q.correlations if c.metric.startswith("FD")]
    reference = kendalltau(q.score, [-fd[c] for c in found.cell_ids])
    assert tau.tau == pytest.approx(reference.statistic) and tau.tau == 1.0
    assert tau.n == n and tau.p_value == pytest.approx(reference.pvalue)
    assert 0.0 < q.alpha <= 1.0

    result = runner.invoke(app, ["human", "results", "--db", str(store.path), "--study", "ab"])
    # the store is open in this process; DuckDB shares it with the CLI's connection
    assert result.exit_code == 0, result.output
    for text in ("excluded", "BT strength", "95% CI", "win rate", "Kendall's tau", "alpha"):
        assert text in result.output

    site = store.path.parent / "site"
    args = ["report", "--db", str(store.path), "--out", str(site), "--suite", "human-test"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = (site / "index.html").read_text()
    assert "human BT[ab]" in page and "human preference" in page
    best = found.cell_ids[int(np.argmax(q.score))]
    assert f"{q.score.max():.3g}"[:4] in page and best in page


@pytest.mark.slow
def test_rating_results_give_mos_in_order(human_db, write_study):
    spec = study(
        name="rating",
        task="rating",
        tasks_per_rater=10,
        attention={"repeats": 1, "planted": 2, "min_pass_rate": 0.6},
    )
    with Store(human_db) as store:
        record = create_study(load_study(write_study(spec)), store)
        fd = fd_of_cells(store, record.run_id)
        order = sorted(fd, key=fd.get)
        strength = {c: 4.5 - i for i, c in enumerate(order)}  # 4.5, 3.5, 2.5, 1.5
        simulate(store, "rating", strength, honest=25, spammers=2, seed=2)
        found = study_results(store, "rating")
    assert found.score_name == "MOS"
    assert sum(r.excluded for r in found.raters) == 2
    q = found.questions[0]
    assert [found.cell_ids[i] for i in np.argsort(-q.score)] == order
    assert ((q.score >= 1) & (q.score <= 5)).all() and (q.low < q.high).all()
    assert q.correlations[0].tau == 1.0


def test_csv_export_and_import_round_trip(ab_store, tmp_path):
    store, record = ab_store
    path = export_tasks(store, "ab", tmp_path / "crowd")
    rows = list(csv.DictReader(path.open()))
    real = [r for r in rows if r["check"] == ""]
    assert len(real) == 6 * 6  # 4 cells → 6 pairs, 6 samples each
    checks = {r["check"] for r in rows} - {""}
    assert checks == {"repeat", "planted"}
    for row in rows[:3]:
        assert (tmp_path / "crowd" / row["a"]).read_bytes().startswith(b"\x89PNG")
    assert rows[0]["question_quality"] == study()["questions"][0]["text"]

    votes = tmp_path / "votes.csv"
    with votes.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["worker", "task_id", "question", "answer", "seconds"])
        for i, row in enumerate(rows):
            writer.writerow([f"w{i % 3}", row["task_id"], "quality", row["a_item"], "4.5"])
    summary = import_votes(store, "ab", votes)
    assert (summary.rows, summary.raters, summary.recorded) == (len(rows), 3, len(rows))
    again = import_votes(store, "ab", votes)
    assert again.recorded == 0 and again.duplicates == len(rows)
    stored = store.query("SELECT * FROM human_votes WHERE source = 'csv'")
    assert len(stored) == len(rows) and set(stored["seconds"]) == {4.5}
    assert set(study_results(store, "ab").cell_ids) == set(fd_of_cells(store, record.run_id))


def test_bad_votes_csv_names_file_line_and_column(ab_store, tmp_path):
    store, _ = ab_store
    task_id = store.query("SELECT task_id FROM human_tasks WHERE check_kind = ''")["task_id"][0]
    votes = tmp_path / "votes.csv"
    votes.write_text(
        "worker,task_id,question,answer,seconds\n"
        f"w1,{task_id},quality,not-an-item,1\n"
        "w1,no-such-task,quality,x,1\n"
        f"w1,{task_id},speed,x,1\n"
        f"w2,{task_id},quality,x,-3\n"
    )
    with pytest.raises(InterchangeError) as caught:
        import_votes(store, "ab", votes)
    message = str(caught.value)
    assert f"{votes}:2: column answer" in message
    assert f"{votes}:3: column task_id" in message
    assert f"{votes}:4: column question" in message
    assert f"{votes}:5: column seconds" in message
    assert store.query("SELECT count(*) AS n FROM human_votes")["n"][0] == 0
    result = runner.invoke(
        app, ["human", "import", str(votes), "--db", str(store.path), "--study", "ab"]
    )
    assert result.exit_code == 2 and "column answer" in result.output
