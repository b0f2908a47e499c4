"""The raters' web app and the votes import under attack: answers outside the allowed
set and broken CSV files. Each is refused with a clear message and stores nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from benchbench.cli import app
from benchbench.human.design import create_study
from benchbench.human.interchange import InterchangeError, import_votes
from benchbench.human.server import create_app
from benchbench.human.study import load_study
from benchbench.store import Store
from tests.human_serving import form_of, joined
from tests.human_specs import study

pytest_plugins = ("tests.human_run",)
runner = CliRunner()
RATING = {"name": "rating", "task": "rating"}
# answers str.isdigit() or int() accept that are not a level as the form writes it
NOT_LEVELS = ["⁵", "٣", "03", " 3", "3.0", "+3", "6", "0", "", "tie", "3\x00"]


@pytest.fixture
def stored(human_db, write_study):
    """A function storing a study (``tests.human_specs.study`` with overrides)."""
    store = Store(human_db)

    def create(**overrides):
        path = write_study(study(**overrides), f"{overrides.get('name', 'ab')}.yaml")
        return create_study(load_study(path), store)

    yield store, create
    store.close()


def count(store: Store, table: str) -> int:
    return store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


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


def test_a_votes_file_with_a_byte_order_mark_imports(stored, tmp_path):
    store, create = stored
    create(**RATING)
    row = f"worker,task_id,question,answer\nw1,{rating_task(store)},quality,3\n"
    path = write_votes(tmp_path, row.encode("utf-8-sig"))
    assert import_votes(store, "rating", path).recorded == 1
