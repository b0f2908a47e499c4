"""The raters' web app through Flask's test client: joining, tokens, CSRF, duplicate and
conflicting votes, what is stored with a vote, limits, escaping, and text samples."""

from __future__ import annotations

import html
import json
import re

import pytest

from benchbench.hashing import sha256_bytes
from benchbench.human.design import create_study
from benchbench.human.server import MAX_BODY, create_app, is_loopback
from benchbench.human.study import StudyError, load_study
from benchbench.records import Artifact, CellRecord, now
from benchbench.store.human import TIE, HumanStore
from benchbench.store.runs import Store
from tests.support.human_serving import form_of, joined
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)

INJECTED = "<script>alert(1)</script>"


@pytest.fixture
def served(human_db, write_study):
    """(store, app, token) of an A/B study whose question text tries to inject HTML."""
    spec = study(questions=[{"id": "quality", "text": f"Which is better? {INJECTED}"}])
    with Store(human_db) as store:
        record = create_study(load_study(write_study(spec)), store)
        yield store, create_app(store.path, record.study), record.token


def votes(store) -> list:
    return store.con.execute("SELECT rater_id, task_id, choice FROM human_votes").fetchall()


def test_join_needs_the_study_token(served):
    store, app, token = served
    client = app.test_client()
    assert client.get("/join/not-the-token").status_code == 404
    assert client.get("/task").status_code == 403
    assert client.get(f"/join/{token}?worker=<bad>").status_code == 400
    assert store.con.execute("SELECT count(*) FROM human_raters").fetchone()[0] == 0
    joined(app, token)
    rater = store.con.execute("SELECT external_id, source FROM human_raters").fetchall()
    assert rater == [("w-1", "web")]


def test_vote_is_stored_with_what_was_shown_and_time_on_task(served):
    store, app, token = served
    client = joined(app, token)
    page = client.get("/task").get_data(as_text=True)
    fields = form_of(page)
    shown = re.findall(r'<img src="/item/(\w+)\.png"', page)
    assert len(shown) == 2
    for item in shown:
        image = client.get(f"/item/{item}.png")
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    response = client.post("/vote", data={**fields, "q_quality": "right"})
    assert response.status_code == 303
    row = store.query("SELECT * FROM human_votes").iloc[0]
    assert row.choice == shown[1] and row.question == "quality" and row.source == "web"
    assert json.loads(row.shown)["sides"] == shown
    assert row.seconds >= 0 and row.submitted_at >= row.served_at
    done, total = HumanStore(store).progress("ab", row.rater_id)
    assert (done, total) == (1, 6)  # 4 tasks + 1 repeat + 1 planted


def test_duplicates_are_idempotent_and_conflicts_refused(served):
    store, app, token = served
    client = joined(app, token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    first = client.post("/vote", data={**fields, "q_quality": "left"})
    again = client.post("/vote", data={**fields, "q_quality": "left"})
    assert first.status_code == again.status_code == 303
    changed = client.post("/vote", data={**fields, "q_quality": "right"})
    assert changed.status_code == 409 and "first answer counts" in changed.get_data(as_text=True)
    assert len(votes(store)) == 1


def test_forged_votes_are_rejected(served):
    store, app, token = served
    client = joined(app, token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    no_token = {k: v for k, v in fields.items() if k != "csrf"}
    assert client.post("/vote", data={**no_token, "q_quality": "left"}).status_code == 403
    wrong = {**fields, "csrf": "x" * len(fields["csrf"]), "q_quality": "left"}
    assert client.post("/vote", data=wrong).status_code == 403
    stranger = app.test_client()  # no session cookie: not a rater of this study
    assert stranger.post("/vote", data={**fields, "q_quality": "left"}).status_code == 403
    other = joined(app, token)  # a real rater cannot vote on a task not assigned to them
    other_fields = form_of(other.get("/task").get_data(as_text=True))
    assigned = set(store.query("SELECT task_id FROM human_assignments")["task_id"])
    unassigned = sorted(set(HumanStore(store).tasks("ab")["task_id"]) - assigned)
    foreign = {**other_fields, "task": unassigned[0], "q_quality": "left"}
    assert other.post("/vote", data=foreign).status_code == 400
    bad_answer = {**fields, "q_quality": "both"}
    assert client.post("/vote", data=bad_answer).status_code == 400
    assert votes(store) == []


def test_request_size_limit_and_unassigned_items(served):
    store, app, token = served
    client = joined(app, token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    big = client.post("/vote", data={**fields, "q_quality": "left", "pad": "x" * MAX_BODY})
    assert big.status_code == 413 and votes(store) == []
    assert client.get("/item/" + "0" * 20 + ".png").status_code == 404
    mine = set(store.query("SELECT task_id FROM human_assignments")["task_id"])
    items = HumanStore(store).tasks("ab")
    unseen = items[~items["task_id"].isin(mine)]
    hidden = set(unseen["item_a"]) - set(items[items["task_id"].isin(mine)]["item_a"])
    hidden -= set(items[items["task_id"].isin(mine)]["item_b"].dropna())
    assert hidden and client.get(f"/item/{sorted(hidden)[0]}.png").status_code == 404


def test_pages_escape_text_and_send_security_headers(served):
    _, app, token = served
    client = joined(app, token)
    response = client.get("/task")
    page = response.get_data(as_text=True)
    assert INJECTED not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = client.get_cookie("bench_human")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_model_names_never_reach_the_page(served):
    store, app, token = served
    client = joined(app, token)
    page = client.get("/task").get_data(as_text=True)
    cells = store.query("SELECT cell_id, model_name FROM cells")
    for row in cells.itertuples():
        assert row.cell_id not in page and row.model_name not in page


def store_text_cells(store: Store, generations: list[str], prompts: dict[str, list[str]]):
    """A text run with one cell per model in ``prompts`` (samples.jsonl as the text
    family writes it), each answering its own prompts with ``generations``."""
    run_id = store.start_run("text-test", "h", "t.yaml", {}, "e", "0")
    for position, (name, asked) in enumerate(prompts.items()):
        rows = [
            {"prompt": prompt, "reference": "ref", "generation": text}
            for prompt, text in zip(asked, generations, strict=True)
        ]
        content = "".join(json.dumps(row) + "\n" for row in rows).encode()
        store.save_cell(
            CellRecord(
                cell_key=name,
                run_id=run_id,
                suite_name="text-test",
                model_name=name,
                family="text",
                adapter="text",
                params={},
                suite_params={},
                weights=None,
                model_fingerprint=name,
                device="cpu",
                env_id="e",
                seed=0,
                num_samples=len(rows),
                batch_size=len(rows),
                status="complete",
                started_at=now(),
                finished_at=now(),
                artifacts=[
                    Artifact("samples.jsonl", "application/jsonl", sha256_bytes(content), content)
                ],
            ),
            position,
        )


def test_text_samples_are_shown_escaped_with_their_prompt(human_db, write_study):
    """A text cell works like an image cell; the shared prompt is shown once above the
    pair, and every string is escaped."""
    texts = [f"sample {i} {INJECTED}" for i in range(4)]
    prompts = [f"prompt {i} <b>" for i in range(4)]
    with Store(human_db) as store:
        store_text_cells(store, texts, {"lm-a": prompts, "lm-b": prompts})
        spec = study(name="text-ab", suite="text-test", samples_per_cell=4)
        record = create_study(load_study(write_study(spec)), store)
        assert record.sample_kind == "text"
        client = joined(create_app(store.path, "text-ab"), record.token)
        page = client.get("/task").get_data(as_text=True)
    assert INJECTED not in page and "<b>" not in page
    shown = [html.unescape(s) for s in re.findall(r'<div class="text">([^<]*)</div>', page)]
    assert len(shown) == 2
    letters = [sorted(t.replace(" ", "")) for t in texts]  # planted texts are scrambled
    assert all(sorted(s.replace(" ", "")) in letters for s in shown)
    (prompt,) = re.findall(r'<p class="prompt" id="prompt">Prompt: <span>([^<]*)</span>', page)
    index = next(
        i
        for i, t in enumerate(texts)
        if sorted(t.replace(" ", "")) == sorted(shown[0].replace(" ", ""))
    )
    assert html.unescape(prompt) == f"prompt {index} <b>"


def test_ab_pairs_of_different_prompts_are_refused(human_db, write_study):
    texts = ["one", "two", "three"]
    with Store(human_db) as store:
        store_text_cells(store, texts, {"lm-a": ["p0", "p1", "p2"], "lm-b": ["p0", "px", "p2"]})
        spec = study(name="text-ab", suite="text-test", samples_per_cell=3)
        with pytest.raises(StudyError, match=r"study\.yaml:\d+: cells: sample 1 answers differ"):
            create_study(load_study(write_study(spec)), store)


def test_no_preference_is_a_tie_unless_the_study_forbids_it(human_db, write_study):
    with Store(human_db) as store:
        for name, ties in (("ties", True), ("no-ties", False)):
            path = write_study(study(name=name, ties=ties), f"{name}.yaml")
            record = create_study(load_study(path), store)
            client = joined(create_app(store.path, name), record.token)
            page = client.get("/task").get_data(as_text=True)
            assert ('value="tie"' in page) is ties
            response = client.post("/vote", data={**form_of(page), "q_quality": "tie"})
            assert response.status_code == (303 if ties else 400)
        stored = store.query("SELECT study, choice FROM human_votes")
    assert stored.values.tolist() == [["ties", TIE]]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False)],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback
