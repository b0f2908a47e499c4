"""The raters' web app on a free local port, for tests that talk HTTP to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
