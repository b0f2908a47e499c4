"""The raters' web app on a free local port, for tests that talk HTTP to it, and the
steps of a rater through Flask's test client."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from benchbench.human.server import create_app, make_server, stop_running


@contextmanager
def serving(db: Path, name: str) -> Iterator[str]:
    """The study's base URL while a waitress server answers in a thread."""
    server = make_server(create_app(db, name), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_running(server)
        thread.join(timeout=10)
        assert not thread.is_alive()


def joined(app: Flask, token: str, address: str = "127.0.0.1") -> FlaskClient:
    """A test client that joined the study from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.get(f"/join/{token}?worker=w-1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/task")
    return client


def form_of(page: str) -> dict[str, str]:
    """The hidden fields (CSRF token, task id) of a task page's form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
