"""The raters' web app and the votes import under attack: join floods, votes on tasks
never shown, answers outside the allowed set, broken CSV files, a taken port, and
requests no browser sends. Each is refused with a clear message and stores nothing."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.hashing import stable_hash
from benchbench.human.design import create_study
from benchbench.human.interchange import InterchangeError, import_votes
from benchbench.human.server import create_app
from benchbench.human.service import JoinLimiter
from benchbench.human.study import StudyError, load_study
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store
from tests.support.human_serving import form_of, joined
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)
runner = CliRunner()
RATING = {"name": "rating", "task": "rating"}
# answers str.isdigit() or int() accept that are not a level as the form writes it
NOT_LEVELS = ["⁵", "٣", "03", " 3", "3.0", "+3", "6", "0", "", "tie", "3\x00"]


@pytest.fixture
def stored(human_db, write_study):
    """A function storing a study (``tests.support.human_specs.study`` with overrides)."""
    store = Store(human_db)

    def create(**overrides):
        path = write_study(study(**overrides), f"{overrides.get('name', 'ab')}.yaml")
        return create_study(load_study(path), store)

    yield store, create
    store.close()


def count(store: Store, table: str) -> int:
    return store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def join_from(app, token: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.get(f"/join/{token}")


def test_the_join_link_admits_at_most_max_raters(stored):
    store, create = stored
    record = create(max_raters=2)
    web = create_app(store.path, "ab")
    first = joined(web, record.token, "10.0.0.1")
    joined(web, record.token, "10.0.0.2")
    full = join_from(web, record.token, "10.0.0.3")
    assert full.status_code == 403 and "all its 2 raters have joined" in full.get_data(as_text=True)
    assert count(store, "human_raters") == 2
    assert first.get(f"/join/{record.token}").status_code == 303  # a rater who joined may return
    assert count(store, "human_raters") == 2


def test_a_full_study_admits_more_once_its_file_raises_max_raters(stored, write_study):
    store, create = stored
    record = create(max_raters=1)
    joined(create_app(store.path, "ab"), record.token)
    assert join_from(create_app(store.path, "ab"), record.token, "10.0.0.2").status_code == 403
    again = create(max_raters=2)
    assert (again.token, again.spec["max_raters"]) == (record.token, 2)
    joined(create_app(store.path, "ab"), record.token, "10.0.0.2")
    with pytest.raises(StudyError, match="different definition"):
        create(max_raters=3, tasks_per_rater=5)  # anything else still needs a new name


def test_a_study_stored_before_max_raters_existed_opens_unchanged(stored):
    store, create = stored
    record = create()
    old = {key: value for key, value in record.spec.items() if key != "max_raters"}
    HumanStore(store).update_spec("ab", old, stable_hash(old))  # as an older version wrote it
    assert create().spec == old
    assert join_from(create_app(store.path, "ab"), record.token, "10.0.0.1").status_code == 303


def test_joins_are_rate_limited_per_client_and_overall(stored):
    store, create = stored
    record = create()
    now = [0.0]
    limiter = JoinLimiter(per_client=2, overall=3, window=60.0, clock=lambda: now[0])
    web = create_app(store.path, "ab", joins=limiter)
    first = joined(web, record.token, "10.0.0.1")
    joined(web, record.token, "10.0.0.1")
    assert first.get(f"/join/{record.token}").status_code == 303  # returning is not joining
    now[0] = 20.0
    again = join_from(web, record.token, "10.0.0.1")
    assert again.status_code == 429 and again.headers["Retry-After"] == "40"
    assert "Too many raters joined" in again.get_data(as_text=True)
    joined(web, record.token, "10.0.0.2")
    assert join_from(web, record.token, "10.0.0.3").status_code == 429  # all of them: 3
    assert count(store, "human_raters") == 3
    now[0] = 61.0
    joined(web, record.token, "10.0.0.3")
    assert count(store, "human_raters") == 4


def test_a_vote_on_a_task_not_yet_shown_is_refused(stored):
    store, create = stored
    record = create()
    client = joined(create_app(store.path, "ab"), record.token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    later = store.con.execute(
        "SELECT task_id FROM human_assignments WHERE position = 1"
    ).fetchone()[0]
    response = client.post("/vote", data={**fields, "task": later, "q_quality": "left"})
    assert response.status_code == 400 and "not been shown" in response.get_data(as_text=True)
    assert count(store, "human_votes") == 0
    assert client.post("/vote", data={**fields, "q_quality": "left"}).status_code == 303


def test_a_finished_rater_and_replays_add_nothing(stored):
    store, create = stored
    record = create()
    web = create_app(store.path, "ab")
    client = joined(web, record.token)
    answered = []
    while 'id="vote"' in (page := client.get("/task").get_data(as_text=True)):
        answered.append(form_of(page))
        assert client.post("/vote", data={**answered[-1], "q_quality": "left"}).status_code == 303
    assert "tasks are done" in page and count(store, "human_votes") == len(answered) == 6
    assert client.post("/vote", data={**answered[0], "q_quality": "left"}).status_code == 303
    assert client.post("/vote", data={**answered[0], "q_quality": "right"}).status_code == 409
    mine = {fields["task"] for fields in answered}
    other = next(t for t in HumanStore(store).tasks("ab")["task_id"] if t not in mine)
    unassigned = {**answered[0], "task": other, "q_quality": "left"}
    assert client.post("/vote", data=unassigned).status_code == 400
    assert count(store, "human_votes") == 6


def test_votes_do_not_cross_studies(stored):
    store, create = stored
    first, second = create(), create(name="other")
    web, other_web = create_app(store.path, "ab"), create_app(store.path, "other")
    client = joined(web, first.token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    stranger = joined(other_web, second.token)
    foreign = form_of(stranger.get("/task").get_data(as_text=True))["task"]
    assert (
        client.post("/vote", data={**fields, "task": foreign, "q_quality": "left"}).status_code
        == 400
    )
    cookie = client.get_cookie("bench_human").value  # signed with the first study's secret
    visitor = other_web.test_client()
    visitor.set_cookie("bench_human", cookie)
    assert visitor.post("/vote", data={**fields, "q_quality": "left"}).status_code == 403
    assert count(store, "human_votes") == 0


@pytest.mark.parametrize("answer", NOT_LEVELS)
def test_a_rating_outside_the_scale_is_a_400_with_a_message(stored, answer):
    store, create = stored
    record = create(**RATING)
    client = joined(create_app(store.path, "rating"), record.token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    response = client.post("/vote", data={**fields, "q_quality": answer})
    assert response.status_code == 400
    assert "is not one of 1, 2, 3, 4, 5" in response.get_data(as_text=True)
    assert count(store, "human_votes") == 0


@pytest.mark.parametrize("answer", ["LEFT", "left ", "", "tie"])
def test_an_ab_answer_outside_the_choices_is_a_400(stored, answer):
    store, create = stored
    record = create(ties=False)
    client = joined(create_app(store.path, "ab"), record.token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    response = client.post("/vote", data={**fields, "q_quality": answer})
    assert response.status_code == 400 and "not one of left, right" in response.get_data(
        as_text=True
    )
    assert client.post("/vote", data=fields).status_code == 400  # not answered at all
    assert count(store, "human_votes") == 0


def write_votes(tmp_path, content: bytes):
    path = tmp_path / "votes.csv"
    path.write_bytes(content)
    return path


def rating_task(store: Store) -> str:
    return store.con.execute("SELECT task_id FROM human_tasks LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("answer", [a for a in NOT_LEVELS if a != "3\x00"])
def test_csv_import_refuses_the_answers_the_web_form_refuses(stored, tmp_path, answer):
    store, create = stored
    create(**RATING)
    row = f"worker,task_id,question,answer\nw1,{rating_task(store)},quality,{answer}\n"
    path = write_votes(tmp_path, row.encode())
    with pytest.raises(InterchangeError) as caught:
        import_votes(store, "rating", path)
    assert f"{path}:2: column answer:" in str(caught.value) and "not one of 1, 2" in str(
        caught.value
    )
    assert count(store, "human_votes") == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "worker,task_id,question,answer\nw\xe9,TASK,quality,3\n".encode("latin-1"),
            ":2: not UTF-8",
        ),
        (
            f'worker,task_id,question,answer\n"{"x" * 200_000}",TASK,quality,3\n'.encode(),
            ":2: not valid CSV",
        ),
        (b"worker,task_id,question,answer\nw1,TASK\n", ":2: the row's fields do not match"),
        (
            b"worker,task_id,question,answer\nw1,TASK,quality,3,4\n",
            ":2: the row's fields do not match",
        ),
    ],
    ids=["latin-1", "huge-field", "short-row", "long-row"],
)
def test_a_broken_votes_file_names_its_line(stored, tmp_path, content, expected):
    store, create = stored
    create(**RATING)
    path = write_votes(tmp_path, content.replace(b"TASK", rating_task(store).encode()))
    result = runner.invoke(
        app, ["human", "import", str(path), "--db", str(store.path), "--study", "rating"]
    )
    assert result.exit_code == 2 and f"{path}{expected}" in result.output.replace("\n", "")
    assert count(store, "human_votes") == 0


def test_every_problem_of_a_votes_file_is_listed_with_its_line_and_column(stored, tmp_path):
    store, create = stored
    questions = [{"id": "quality", "text": "How good?"}, {"id": "realism", "text": "How real?"}]
    create(**RATING, questions=questions)
    task = rating_task(store)
    rows = [",T,quality,3,", "w1,T,quality,3,", "w1,T,quality,4,", "w1,T,realism,9,"]
    rows += ["w1,T,realism,2,x", "w1,nope,quality,3,", "w1,T,mood,3,"]
    text = "worker,task_id,question,answer,seconds\n" + "\n".join(rows) + "\n"
    path = write_votes(tmp_path, text.replace("T,", f"{task},").encode())
    with pytest.raises(InterchangeError) as caught:
        import_votes(store, "rating", path)
    assert str(caught.value).splitlines() == [
        f"{path}:2: column worker: must be 1-64 characters",
        f"{path}:4: column question: 'w1' answered 'quality' of task {task} twice",
        f"{path}:5: column answer: question 'realism': '9' is not one of 1, 2, 3, 4, 5",
        f"{path}:6: column seconds: 'x' is not a non-negative number",
        f"{path}:7: column task_id: no task 'nope' in study 'rating'",
        f"{path}:8: column question: 'mood' is not one of ['quality', 'realism']",
        f"{path}: worker '', task {task}: answers ['quality'] but the study asks "
        "['quality', 'realism']",
    ]
    assert count(store, "human_votes") == 0


def test_a_votes_file_with_a_byte_order_mark_imports(stored, tmp_path):
    store, create = stored
    create(**RATING)
    row = f"worker,task_id,question,answer\nw1,{rating_task(store)},quality,3\n"
    path = write_votes(tmp_path, row.encode("utf-8-sig"))
    assert import_votes(store, "rating", path).recorded == 1


def serve(db, *options: str):
    return runner.invoke(app, ["human", "serve", "--study", "ab", "--db", str(db), *options])


def test_serving_on_a_taken_port_is_a_clear_error(stored):
    store, create = stored
    create()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(store.path, "--port", str(port))
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.output
    assert "choose another --port" in result.output


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--port", "-1"], "Invalid value for '--port'"),
        (["--threads", "0"], "Invalid value for '--threads'"),
        (["--host", "no-such-host.invalid", "--port", "0"], "cannot listen on no-such-host"),
    ],
    ids=["port-too-big", "port-negative", "no-threads", "unknown-host"],
)
def test_serve_refuses_a_bad_address(stored, options, expected):
    store, create = stored
    create()
    result = serve(store.path, *options)
    assert result.exit_code == 2 and expected in result.output, result.output


def test_requests_no_browser_sends_are_refused_without_a_500(stored):
    store, create = stored
    record = create()
    web = create_app(store.path, "ab")
    client = joined(web, record.token)
    fields = form_of(client.get("/task").get_data(as_text=True))
    vote = {**fields, "q_quality": "left"}
    probes = {
        ("PUT", "/vote"): 405,
        ("DELETE", "/task"): 405,
        ("PATCH", f"/join/{record.token}"): 405,
        ("HEAD", "/vote"): 405,
        ("GET", "/static/../server.py"): 404,
        ("GET", "/static/%2e%2e/server.py"): 404,
        ("GET", "/item/..%2f..%2fserver.py.png"): 404,
        ("GET", f"/join/{record.token}x"): 404,
        ("GET", "/join/%C3%A9%00"): 404,
        ("GET", f"/join/{record.token}?worker=" + "é" * 10): 400,
        ("GET", f"/join/{record.token}?worker=" + "w" * 10_000): 400,
    }
    for (method, path), status in probes.items():
        assert client.open(path, method=method).status_code == status, (method, path)
    forged = [
        {**vote, "csrf": "é" * 40},
        {key: value for key, value in vote.items() if key != "csrf"},
        {**vote, "pad": "x" * 10_000},
        {**vote, "task": "../" * 5},
    ]
    assert [client.post("/vote", data=form).status_code for form in forged] == [403, 403, 413, 400]
    assert count(store, "human_votes") == 0 and count(store, "human_raters") == 1
