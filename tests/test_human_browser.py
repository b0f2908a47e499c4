"""Raters in headless Chromium against the real server (waitress on a free local port):
join links, A/B and rating tasks done by clicking, a second tab's duplicate vote, a
forged cross-site vote; then `bench human results` and the report's human column."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.human.design import create_study
from benchbench.human.study import load_study
from benchbench.store.runs import Store
from tests.support.human_serving import serving
from tests.support.human_specs import study

pytest_plugins = ("tests.support.browser", "tests.support.human_run")
pytestmark = pytest.mark.slow

RATING = study(
    name="rating",
    task="rating",
    questions=[
        {"id": "quality", "text": "How good is this digit?"},
        {"id": "sharp", "text": "How sharp is it?"},
    ],
    scale={1: "Bad", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"},
    samples_per_cell=3,
)


def gone(element) -> bool:
    """Whether the page holding ``element`` was replaced. Chromium answers a node of a
    page being replaced either as stale or as "does not belong to the document"."""
    try:
        element.is_enabled()
    except WebDriverException:  # StaleElementReferenceException is one
        return True
    return False


def click_answer(driver, value: str) -> None:
    """Choose ``value`` for every question on the page, submit, and wait for the next page."""
    form = driver.find_element(By.ID, "vote")
    for radio in driver.find_elements(By.CSS_SELECTOR, f"input[type=radio][value='{value}']"):
        radio.find_element(By.XPATH, "..").click()  # the label, as a person would
    driver.find_element(By.ID, "submit").click()
    WebDriverWait(driver, 10).until(lambda _: gone(form))


def finish(driver, value: str) -> int:
    """Answer tasks until the thank-you page; how many were answered."""
    answered = 0
    while driver.find_elements(By.ID, "vote"):
        click_answer(driver, value)
        answered += 1
    assert "All" in driver.find_element(By.ID, "message").text
    return answered


def vote_count(store: Store, study_name: str) -> int:
    return store.con.execute(
        "SELECT count(*) FROM human_votes WHERE study = ?", [study_name]
    ).fetchone()[0]


def test_raters_vote_by_clicking(browser, human_db, write_study, tmp_path):
    driver = browser.driver
    ab_path = write_study(study(), "ab.yaml")
    with Store(human_db) as store:
        ab = create_study(load_study(ab_path), store)
        rating = create_study(load_study(write_study(RATING, "rating.yaml")), store)
        with serving(store.path, "ab") as base:
            driver.delete_all_cookies()
            driver.get(f"{base}/join/{ab.token}?worker=tab-tester")
            assert driver.current_url == f"{base}/task"
            assert len(driver.find_elements(By.CSS_SELECTOR, ".sample img")) == 2
            first_tab = driver.current_window_handle
            driver.switch_to.new_window("tab")  # the same rater opens the task again
            driver.get(f"{base}/task")
            second_tab = driver.current_window_handle
            driver.switch_to.window(first_tab)
            click_answer(driver, "left")
            driver.switch_to.window(second_tab)
            click_answer(driver, "right")  # the stale tab votes on the answered task
            assert "first answer counts" in driver.find_element(By.ID, "message").text
            driver.close()
            driver.switch_to.window(first_tab)
            answered = 1 + finish(driver, "left")
            assert answered == 6  # 4 tasks, a repeated pair and a planted sample
            assert vote_count(store, "ab") == 6  # the second tab's vote did not count

            forged = tmp_path / "forged.html"  # another site posting a vote (no CSRF token)
            task_id = store.query("SELECT task_id FROM human_votes")["task_id"][0]
            forged.write_text(
                f'<form method="post" action="{base}/vote">'
                f'<input type="hidden" name="task" value="{task_id}">'
                '<input type="hidden" name="q_quality" value="right">'
                '<button id="go" type="submit">go</button></form>'
            )
            driver.get(forged.as_uri())
            go = driver.find_element(By.ID, "go")
            go.click()
            WebDriverWait(driver, 10).until(lambda _: gone(go))
            assert "Forbidden" in driver.title
            assert vote_count(store, "ab") == 6
            driver.get(f"{base}/join/wrong-token")
            assert "not valid" in driver.find_element(By.ID, "message").text

        with serving(store.path, "rating") as base:
            driver.delete_all_cookies()
            driver.get(f"{base}/join/{rating.token}")
            labels = driver.find_elements(By.CSS_SELECTOR, "fieldset label")
            assert "4 — Good" in [label.text for label in labels]
            assert finish(driver, "4") == 4 + 1 + 1
            ratings = store.query(
                "SELECT question, rating FROM human_votes WHERE study = ?", ["rating"]
            )
            assert sorted(set(ratings["question"])) == ["quality", "sharp"]
            assert len(ratings) == 12 and set(ratings["rating"]) == {4}

    result = CliRunner().invoke(app, ["human", "results", "--db", str(human_db), "--study", "ab"])
    assert result.exit_code == 0, result.output
    assert "attention checks" in result.output and "BT strength" in result.output
    assert "tab-tester" in result.output and "win rate" in result.output
