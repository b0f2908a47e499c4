"""`bench human` commands: create, serve (a real process on a free port, which leaves the
store free between requests), bad input."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from benchbench.cli.app import app
from benchbench.store.runs import Store
from tests.support import REPO
from tests.support.human_specs import study

pytest_plugins = ("tests.support.human_run",)
runner = CliRunner()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_serve_prints_a_join_link_that_works(human_db, write_study):
    path = write_study(study())
    command = [sys.executable, "-m", "benchbench", "human", "serve", "--study", str(path)]
    command += ["--db", str(human_db), "--port", "0"]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # a pytest started in the background ignores SIGINT, and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        output = ""
        while "join link" not in output:
            line = process.stdout.readline()
            assert line, f"server exited: {output}"
            output += line
        link = re.search(r"join link: (\S+)", output).group(1)
        assert link.startswith("http://127.0.0.1:")
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(link, timeout=30)
        assert caught.value.code == 303 and "bench_human=" in caught.value.headers["Set-Cookie"]
        base = link.split("/join/")[0]
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(f"{base}/join/guessed", timeout=30)
        assert caught.value.code == 404
        with Store(human_db) as store:  # between requests the server holds no lock
            assert len(store.query("SELECT * FROM human_raters")) == 1
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(link, timeout=30)  # and it opens the store again afterwards
        assert caught.value.code == 303
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_create_prints_the_join_path_and_results_need_a_study(human_db, write_study):
    result = runner.invoke(
        app, ["human", "create", str(write_study(study())), "--db", str(human_db)]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"join path: /join/\S{20,}", result.output)
    missing = runner.invoke(app, ["human", "results", "--study", "nope", "--db", str(human_db)])
    assert missing.exit_code == 2 and "no study 'nope'" in missing.output
    bad = write_study("name: s\ntask: ab\n", "bad.yaml")
    invalid = runner.invoke(app, ["human", "serve", "--study", str(bad), "--db", str(human_db)])
    assert invalid.exit_code == 2 and f"{bad}:" in invalid.output
    nodb = runner.invoke(app, ["human", "results", "--study", "s", "--db", str(bad) + ".duckdb"])
    assert nodb.exit_code == 2 and "no results store" in nodb.output
