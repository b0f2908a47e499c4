"""`bench report` from real runs: the site's files, escaping, determinism, Markdown,
`bench compare`, and the page itself in headless Chromium."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchbench.cli.app import app

pytest_plugins = ("tests.support.browser",)

INJECTED = "<img src=x onerror=alert(1)>"
runner = CliRunner()


def suite(models: list[dict]) -> dict:
    return {
        "name": "report-test",
        "seed": 0,
        "device": "cpu",
        "reference": {"dataset": "digits", "split": "test"},
        "features": "digits-cnn",
        "metrics": ["fd", "kd"],
        "bootstrap": {"resamples": 50},
        "sampling": {"num_samples": 64, "batch_size": 32},
        "timing": {"warmup": 1, "min_repeats": 2, "min_seconds": 0.0},
        "models": models,
    }


MODELS = [
    {"name": "oracle", "adapter": "tests.support.fake_models:real_digits"},
    {
        "name": INJECTED,
        "adapter": "tests.support.fake_models:noise",
        "params": {"brightness": [0.5, 1.0]},
    },
    {
        "name": "denoiser",
        "adapter": "tests.support.fake_models:denoiser",
        "params": {"steps": [1, 3, 8]},
    },
    {"name": "broken", "adapter": "tests.support.fake_models:wrong_range"},
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    """Two runs of one suite: the second reuses every cell but the oracle's, which it
    recomputes with more samples, so history has two different points."""
    folder = tmp_path_factory.mktemp("report")
    db = folder / "bench.duckdb"
    more = {**MODELS[0], "sampling": {"num_samples": 96, "batch_size": 32}}
    for i, models in enumerate((MODELS, [more, *MODELS[1:]])):
        path = folder / f"suite{i}.yaml"
        path.write_text(yaml.safe_dump(suite(models), sort_keys=False))
        result = runner.invoke(app, ["run", str(path), "--db", str(db), "-q"])
        assert result.exit_code == 1, result.output  # the broken cell fails, the run goes on
    return db


@pytest.fixture(scope="module")
def site(store_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = runner.invoke(app, ["report", "--db", str(store_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "index.html"


def test_site_files(site):
    assets = site.parent / "assets"
    assert (assets / "style.css").is_file() and (assets / "sort.js").is_file()
    plots = sorted(p.name for p in (assets / "plots").glob("*.svg"))
    assert any("pareto" in p for p in plots)
    assert any("steps" in p for p in plots)
    assert any("history" in p for p in plots)
    assert len(list((assets / "samples").glob("*.png"))) == 6  # 7 cells, one failed
    for table in ("runs", "cells", "measurements", "environments", "timing_samples"):
        assert (assets / "data" / f"{table}.csv").stat().st_size > 0
        assert (assets / "data" / f"{table}.parquet").stat().st_size > 0


def test_user_text_is_escaped_in_html_and_svg(site):
    html = site.read_text()
    assert INJECTED not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    for svg in (site.parent / "assets" / "plots").glob("*.svg"):
        tree = ET.parse(svg)  # well-formed XML
        tags = {element.tag.rsplit("}", 1)[-1] for element in tree.iter()}
        assert not tags & {"img", "script", "foreignObject"}, svg.name
        if "pareto" in svg.name:
            texts = ["".join(t.itertext()) for t in tree.iter("{http://www.w3.org/2000/svg}text")]
            assert any(INJECTED in t for t in texts), svg.name


def test_rebuilding_changes_no_file(store_path, site, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(site.parent, again)
    result = runner.invoke(app, ["report", "--db", str(store_path), "--out", str(again)])
    assert result.exit_code == 0, result.output
    before = {p.relative_to(site.parent): p.read_bytes() for p in site.parent.rglob("*.*")}
    after = {p.relative_to(again): p.read_bytes() for p in again.rglob("*.*")}
    assert before.keys() == after.keys()
    assert [name for name in before if before[name] != after[name]] == []


def test_markdown_summary(store_path, tmp_path):
    result = runner.invoke(app, ["report", "--db", str(store_path), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "| rank | model | family | params | FD\\[digits-cnn\\] ↓ |" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and INJECTED not in text
    assert "★" in text and "**failed**" in text
    out = tmp_path / "summary.md"
    result = runner.invoke(
        app, ["report", "--db", str(store_path), "--format", "markdown", "--out", str(out)]
    )
    assert result.exit_code == 0 and out.read_text() == text


def test_compare_two_runs(store_path):
    from benchbench.store.runs import Store

    with Store(store_path) as store:
        runs = list(store.query("SELECT run_id FROM runs ORDER BY started_at")["run_id"])
    result = runner.invoke(app, ["compare", *runs, "--db", str(store_path)])
    assert result.exit_code == 0, result.output
    assert INJECTED in result.output  # rich markup in names is printed, not interpreted
    assert "samples/s" in result.output and "FD[digits-cnn]" in result.output
    assert "same" in result.output  # reused cells: identical values
    wider = runner.invoke(app, ["compare", *runs, "--db", str(store_path), "--all"])
    assert "latency_p90_s" in wider.output


def test_compare_sets_speed_and_memory_apart_across_device_models(store_path):
    from benchbench.report.compare import diff_runs
    from benchbench.report.data import load_run
    from benchbench.store.runs import Store

    with Store(store_path) as store:
        runs = list(store.query("SELECT run_id FROM runs ORDER BY started_at")["run_id"])
        a, b = (load_run(store, run_id, samples=False) for run_id in runs)
    moved = b.cells[1]  # a reused cell: the same numbers in both runs
    assert moved.device_name and moved.device_name == a.cells[1].device_name
    moved.device_name = "NVIDIA H100 80GB HBM3"  # as if a cluster had run it on a GPU
    found = [d for d in diff_runs(a, b) if d.cell == moved.label]
    verdicts = {d.column.group: d.verdict for d in found}
    assert verdicts["speed"] == verdicts["memory"]
    assert verdicts["speed"].startswith("not comparable: measured on ")
    assert verdicts["speed"].endswith(" and NVIDIA H100 80GB HBM3")
    assert all(d.verdict == "same" for d in found if d.column.group == "quality")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--suite", "nope"], "no runs of suite 'nope'"),
        (["report", "--run", "nope"], "no run 'nope'"),
        (["compare", "a", "b"], "no run 'a'"),
    ],
)
def test_bad_input_exits_2(store_path, args, message):
    result = runner.invoke(app, [*args, "--db", str(store_path)])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("command", ["report", "compare"])
def test_commands_have_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--db" in result.output


def test_missing_store_exits_2(tmp_path):
    result = runner.invoke(app, ["report", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no results store" in result.output
    assert not (tmp_path / "none.duckdb").exists()


# -- in the browser ---------------------------------------------------------------------


@pytest.mark.slow
def test_page_in_chromium(browser, site):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.open(site)
    page = browser.driver
    rows = page.find_elements(By.CSS_SELECTOR, "table.leaderboard tbody tr")
    models = [r.find_element(By.CSS_SELECTOR, "td.model").text for r in rows]
    assert sorted(models) == sorted(
        ["oracle", INJECTED, INJECTED, "denoiser", "denoiser", "denoiser", "broken"]
    )
    assert "failed" in rows[-1].get_attribute("class")

    # the injected name is text: no element was made of it, and no dialog opened
    assert page.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018

    # sorting by samples/s: best (highest) first, then reversed; failed rows stay last
    header = page.find_element(By.CSS_SELECTOR, "th[data-column='speed:samples_per_s'] button")
    column = [
        th.get_attribute("data-column")
        for th in page.find_elements(By.CSS_SELECTOR, "table.leaderboard thead th")
    ].index("speed:samples_per_s")

    def speeds() -> list[float]:
        cells = page.find_elements(
            By.CSS_SELECTOR, f"table.leaderboard tbody tr:not(.failed) td:nth-child({column + 1})"
        )
        return [float(c.get_attribute("data-sort")) for c in cells]

    before = [r.find_element(By.CSS_SELECTOR, "td.model").text for r in rows]
    header.click()
    assert speeds() == sorted(speeds(), reverse=True)
    after = page.find_elements(By.CSS_SELECTOR, "table.leaderboard tbody tr td.model")
    assert [a.text for a in after] != before
    header.click()
    assert speeds() == sorted(speeds())
    last = page.find_elements(By.CSS_SELECTOR, "table.leaderboard tbody tr")[-1]
    assert "failed" in last.get_attribute("class")

    assert browser.broken_links(site) == []
    assert browser.console_errors() == []


def _text_cell(run_id: str, env: str, model: str, artifact):
    from benchbench.records import CellRecord, Measurement, now

    return CellRecord(
        cell_key=f"k-{model}", run_id=run_id, suite_name="text", model_name=model,
        family="text-lm", adapter="text_lm", params={"temperature": 0.5}, suite_params={},
        weights=None, model_fingerprint=f"f-{model}", device="cpu", env_id=env, seed=3,
        num_samples=2, batch_size=1, status="complete", started_at=now(), finished_at=now(),
        measurements=[Measurement("tokens_per_s", 10.0, "speed", "tokens/s", True)],
        artifacts=[artifact],
    )  # fmt: skip


def _text_site(tmp_path: Path, cells: dict[str, tuple[str, str, bytes]]) -> str:
    """The report of one text run whose cells (model -> artifact name, type, content)."""
    from benchbench.records import Artifact
    from benchbench.report.site import build_site
    from benchbench.store.runs import Store

    with Store(tmp_path / "b.duckdb") as store:
        env = store.save_environment({"env_id": "e1", "device": "cpu", "packages": {}})
        run_id = store.start_run("text", "h", "suites/text.yaml", {}, env, "0")
        for position, (model, (name, media, content)) in enumerate(cells.items()):
            artifact = Artifact(name, media, f"sha{position}", content, {"seed": 3, "count": 2})
            store.save_cell(_text_cell(run_id, env, model, artifact), position)
        return build_site(store, tmp_path / "site").read_text()


def test_text_samples_are_shown_escaped(tmp_path):
    """Text that is not a generations file is a panel of literal text."""
    text = "</pre><script>alert(1)</script> & {{ 7*7 }}"
    html = _text_site(tmp_path, {"lm": ("samples.txt", "text/plain", text.encode())})
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    assert "<script>alert" not in html and "tokens/s" in html and "seed 3" in html


def test_generations_are_shown_prompt_by_prompt(tmp_path):
    """A text suite's samples.jsonl reads as prompt → each model's continuation beside the
    reference, escaped, with the whole file one link away."""
    import json
    import re

    def jsonl(model: str) -> bytes:
        rows = [
            {"prompt": f"prompt {i} <b>", "reference": f"truth {i}", "generation": f"{model} {i}"}
            for i in range(2)
        ]
        for row in rows:
            row["generation"] = row["generation"].replace(" ", " says ") + " " + INJECTED
        return "".join(json.dumps(r) + "\n" for r in rows).encode()

    files = {m: ("samples.jsonl", "application/jsonl", jsonl(m)) for m in ("gpt", "trigram")}
    html = _text_site(tmp_path, files)
    tables = re.findall(r'<table class="generations">(.*?)</table>', html, re.S)
    assert len(tables) == 2  # one per prompt, not one per cell
    for i, table in enumerate(tables):
        assert table.count(f"prompt {i} &lt;b&gt;") == 1 and table.count(f"truth {i}") == 1
        assert f"gpt says {i} &lt;img" in table and f"trigram says {i} &lt;img" in table
    assert INJECTED not in html and '"generation":' not in html  # no raw JSON lines
    links = re.findall(r'<a class="samples-file" href="([^"]+)">samples.jsonl</a>', html)
    assert len(links) == 2
    assert (tmp_path / "site" / links[0]).read_bytes() == jsonl("gpt")
