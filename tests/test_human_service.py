"""The raters' service without Flask: a rater joins, is shown tasks in order and votes;
every refusal carries the status and the sentence the web app shows, and a busy store
is a 503 both here and through the app."""

from __future__ import annotations

import pytest

from benchbench.human import service as service_module
from benchbench.human.design import create_study
from benchbench.human.server import create_app
from benchbench.human.service import Finished, JoinLimiter, Refused, Shown, StudyService
from benchbench.human.study import load_study
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store, StoreBusy
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)


@pytest.fixture
def served(human_db, write_study):
    """(store, service, token) of the A/B test study."""
    with Store(human_db) as store:
        record = create_study(load_study(write_study(study())), store)
        yield store, StudyService(store.path, "ab"), record.token


def refusal(step) -> tuple[int, str]:
    with pytest.raises(Refused) as info:
        step()
    return info.value.status, info.value.text


def test_a_rater_joins_is_shown_tasks_in_order_and_votes(served):
    store, service, _ = served
    rater = service.join("10.0.0.1", "w-1")
    first = service.next_task(rater)
    assert isinstance(first, Shown) and (first.number, first.total) == (1, 6)
    assert service.next_task(rater) == first  # shown again until answered
    service.vote(rater, first.task_id, {"quality": "right"})
    service.vote(rater, first.task_id, {"quality": "right"})  # a replay adds nothing
    (choice,) = store.con.execute("SELECT choice FROM human_votes").fetchone()
    assert choice == first.sides[1]
    for number in range(2, 7):
        shown = service.next_task(rater)
        assert shown.number == number
        service.vote(rater, shown.task_id, {"quality": "left"})
    assert service.next_task(rater) == Finished(6)
    assert HumanStore(store).progress("ab", rater) == (6, 6)


def test_refusals_say_why_with_the_status_the_page_gets(served):
    store, service, token = served
    assert refusal(lambda: service.check_link("x" + token, None))[0] == 404
    assert refusal(lambda: service.check_link(token, "<w>"))[0] == 400
    service.check_link(token, "w-1")
    rater = service.join("10.0.0.1", None)
    shown = service.next_task(rater)
    status, text = refusal(lambda: service.vote(rater, shown.task_id, {"quality": "both"}))
    assert status == 400 and "'both' is not one of left, right, tie" in text
    assert refusal(lambda: service.vote(rater, shown.task_id, {}))[0] == 400
    assert refusal(lambda: service.vote(rater, "no-such-task", {"quality": "left"})) == (
        400,
        "This task is not one of yours.",
    )
    service.vote(rater, shown.task_id, {"quality": "left"})
    status, text = refusal(lambda: service.vote(rater, shown.task_id, {"quality": "right"}))
    assert status == 409 and "your first answer counts" in text
    assert refusal(lambda: service.image(rater, "0" * 20)) == (404, "No such item.")
    assert store.con.execute("SELECT count(*) FROM human_votes").fetchone()[0] == 1


def test_a_flood_of_joins_is_told_when_to_come_back(human_db, write_study):
    with Store(human_db) as store:
        create_study(load_study(write_study(study())), store)
        limiter = JoinLimiter(per_client=1, overall=10, window=60.0, clock=lambda: 100.0)
        service = StudyService(store.path, "ab", limiter)
        service.join("10.0.0.1", None)
        with pytest.raises(Refused) as info:
            service.join("10.0.0.1", None)
    assert (info.value.status, info.value.retry_after) == (429, 60)


def test_a_busy_store_is_a_503_with_a_page(served, monkeypatch):
    store, service, token = served
    app = create_app(store.path, "ab")
    client = app.test_client()
    assert client.get(f"/join/{token}").status_code == 303

    def busy(db, wait=0.0):
        raise StoreBusy(f"{db} is locked by another process")

    monkeypatch.setattr(service_module, "open_store", busy)
    status, text = refusal(lambda: service.join("10.0.0.2", None))
    assert (status, text) == (503, "The results store is busy; try again in a moment.")
    page = client.get("/task")
    text = page.get_data(as_text=True)
    assert page.status_code == 503 and "<h1>Service Unavailable</h1>" in text
    assert "try again in a moment" in text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
