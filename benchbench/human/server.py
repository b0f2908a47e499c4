"""The raters' web app (Flask, served by waitress).

A rater opens the study's join link (``/join/<token>``), gets a signed session cookie
naming them, and is sent from task to task until their assignment is done. Votes are
POSTed with the session's CSRF token; the server, not the browser, knows when a task
was first shown, which side held which item, and which items a rater may load. Pages
carry no script; Jinja escapes everything shown; a strict Content-Security-Policy
and small request limits leave little to abuse. The join link admits at most the
study's ``max_raters`` raters, and no faster than ``JoinLimiter`` allows; a rater may
vote only on the task the server last showed them, with answers ``parse_answer`` accepts.

The store is opened for each request and closed after it, one request at a time, so
DuckDB's file lock is held only while a request runs: ``bench human results`` or
``bench run`` can use the file while a study is being served (a request that finds the
file busy waits up to ``BUSY_SECONDS``). Opening costs tens of milliseconds, nothing
next to the seconds a rater spends on a task.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask, Response, abort, redirect, render_template, request, session, url_for
from waitress.server import create_server
from waitress.wasyncore import close_all

from benchbench.human.design import assign
from benchbench.human.samples import SampleSet, image_png, planted, read_samples
from benchbench.human.study import AnswerError, Study, parse_answer
from benchbench.records import now
from benchbench.store.human import HumanStore
from benchbench.store.runs import Store, StoreBusy, StoreError

MAX_BODY = 8 * 1024  # a vote is a few short form fields
BUSY_SECONDS = 10.0  # how long a request waits for another process to release the store
WORKER_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; "
    "style-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the join link holds the token
    "Cache-Control": "no-store",
}


class StudyNotFound(LookupError):
    pass


class Items:
    """Item id → the sample to show (planted ones destroyed on the fly). The study's
    cells are read once, so showing a task needs no artifact from the store."""

    def __init__(self, humans: HumanStore, study: str):
        frame = humans.items(study)
        self.index = {
            r.item_id: (r.cell_id, int(r.sample_index), bool(r.planted)) for r in frame.itertuples()
        }
        self.cells: dict[str, SampleSet] = {
            cell_id: read_samples(humans.artifacts(cell_id)) for cell_id in set(frame["cell_id"])
        }

    def sample(self, item_id: str) -> np.ndarray | str:
        cell_id, index, fake = self.index[item_id]
        value = self.cells[cell_id].values[index]
        return planted(value, item_id) if fake else value

    def kind(self, item_id: str) -> str:
        return self.cells[self.index[item_id][0]].kind

    def sample_rate(self, item_id: str) -> int | None:
        """An audio item's rate in Hz (None for images and text)."""
        return self.cells[self.index[item_id][0]].sample_rate

    def prompt(self, item_id: str) -> str | None:
        """The prompt a text item answered (None for images and unprompted text)."""
        cell_id, index, _ = self.index[item_id]
        prompts = self.cells[cell_id].prompts
        return prompts[index] if index < len(prompts) else None


class JoinLimiter:
    """Sliding windows over the joins admitted: at most ``per_client`` from one client
    address and ``overall`` from all within ``window`` seconds, so a leaked join link
    cannot mint raters by the hundred before ``max_raters`` stops it. Only admitted
    joins are kept, so memory stays within ``overall`` timestamps. Behind a reverse proxy
    every rater has the proxy's address: the per-client limit then acts as a second
    overall one (forwarded headers are not trusted, a client can forge them)."""

    def __init__(
        self,
        per_client: int = 10,
        overall: int = 60,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_client, self.overall, self.window, self.clock = per_client, overall, window, clock
        self.everyone: deque[float] = deque()
        self.clients: dict[str, deque[float]] = {}
        self.lock = threading.Lock()  # waitress serves on several threads

    def admit(self, client: str) -> float:
        """0.0 if the join is admitted (and counted), else the seconds to wait."""
        with self.lock:
            now = self.clock()
            for times in (self.everyone, *self.clients.values()):
                while times and times[0] <= now - self.window:
                    times.popleft()
            self.clients = {address: times for address, times in self.clients.items() if times}
            mine = self.clients.setdefault(client, deque())
            full = [
                times
                for times, limit in ((mine, self.per_client), (self.everyone, self.overall))
                if len(times) >= limit
            ]
            if full:
                return max(times[0] for times in full) + self.window - now
            mine.append(now)
            self.everyone.append(now)
            return 0.0


def open_store(db: Path, wait: float = BUSY_SECONDS) -> Store:
    """The store, waiting while another process holds DuckDB's lock on the file (any other
    reason it cannot be opened is final)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return Store(db)
        except StoreBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def create_app(db: Path, study_name: str, joins: JoinLimiter | None = None) -> Flask:
    """The app serving ``study_name``; ``joins`` paces new raters (default limits)."""
    joins = joins or JoinLimiter()
    with open_store(db) as store:
        humans = HumanStore(store)
        record = humans.study(study_name)
        if record is None:
            raise StudyNotFound(f"no study {study_name!r} in {db}")
        items = Items(humans, study_name)
        tasks = [
            (r.task_id, r.check_kind, r.repeat_of) for r in humans.tasks(study_name).itertuples()
        ]
    study = Study.model_validate(record.spec)
    one_at_a_time = threading.Lock()  # joins balance on the load; DuckDB writes don't race

    @contextmanager
    def opened() -> Iterator[HumanStore]:
        """The store for the length of one request."""
        with one_at_a_time:
            try:
                store = open_store(db)
            except StoreError:
                abort(503, "The results store is busy; try again in a moment.")
            with store:
                yield HumanStore(store)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=record.secret,
        SESSION_COOKIE_NAME="bench_human",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=32,
    )

    def rater() -> str:
        if session.get("study") != study_name or "rater" not in session:
            abort(403, "Open the study's join link first.")
        return session["rater"]

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(409)
    @app.errorhandler(413)
    @app.errorhandler(503)
    def error(exc: Any) -> tuple[str, int]:
        return render_template("message.html", title=exc.name, text=exc.description), exc.code

    @app.get("/")
    def home() -> str:
        return render_template(
            "message.html", title="benchbench study", text="Open the join link you were given."
        )

    @app.get("/join/<token>")
    def join(token: str) -> Response:
        if not hmac.compare_digest(token.encode(), record.token.encode()):
            abort(404, "This join link is not valid.")
        worker = request.args.get("worker")
        if worker is not None and (not 0 < len(worker) <= 64 or set(worker) - WORKER_ID_CHARS):
            abort(400, "worker must be 1-64 letters, digits, '_' or '-'.")
        if session.get("study") != study_name or "rater" not in session:
            wait = math.ceil(joins.admit(request.remote_addr or ""))
            if wait:
                text = f"Too many raters joined just now; try again in {wait} seconds."
                page = render_template("message.html", title="Too Many Requests", text=text)
                return Response(page, 429, {"Retry-After": str(wait)})
            rater_id = secrets.token_hex(8)
            with opened() as humans:  # assignments balance on the current load
                if humans.rater_count(study_name, "web") >= study.max_raters:
                    abort(
                        403, f"This study is full: all its {study.max_raters} raters have joined."
                    )
                rng = np.random.default_rng([study.seed, int(rater_id, 16)])
                plan = assign(
                    tasks,
                    humans.task_load(study_name),
                    study.tasks_per_rater,
                    study.attention.repeats,
                    study.attention.planted,
                    rng,
                )
                humans.add_rater(study_name, rater_id, worker, "web", plan)
            session.clear()
            session.update(study=study_name, rater=rater_id, csrf=secrets.token_urlsafe(32))
        return redirect(url_for("task"), 303)

    @app.get("/task")
    def task() -> str:
        rater_id = rater()
        with opened() as humans:
            shown = humans.next_task(study_name, rater_id)
            done, total = humans.progress(study_name, rater_id)
        if shown is None:
            return render_template(
                "message.html", title="Thank you", text=f"All {total} tasks are done."
            )
        sides = _sides(shown["item_a"], shown["item_b"], shown["swapped"])
        return render_template(
            "task.html",
            study=study,
            task_id=shown["task_id"],
            csrf=session["csrf"],
            sides=[_view(items, item, record.sample_kind) for item in sides],
            prompt=items.prompt(shown["item_a"]),  # A/B pairs share their prompt
            number=done + 1,
            total=total,
        )

    def shown_sample(item_id: str, kind: str) -> np.ndarray:
        """The item's array if this rater was shown it and it is of ``kind``; else 404."""
        rater_id = rater()
        with opened() as humans:
            allowed = item_id in items.index and humans.rater_may_see(study_name, rater_id, item_id)
        if not allowed:
            abort(404, "No such item.")
        if items.kind(item_id) != kind:
            abort(404, f"This item is {items.kind(item_id)}, not {kind}.")
        return items.sample(item_id)

    @app.get("/item/<item_id>.png")
    def item(item_id: str) -> Response:
        return Response(image_png(shown_sample(item_id, "image")), mimetype="image/png")

    @app.get("/item/<item_id>.wav")
    def clip(item_id: str) -> Response:
        from benchbench.outputs.audio import wav_bytes  # image and text studies skip torch

        pcm = shown_sample(item_id, "audio")
        return Response(wav_bytes(pcm, items.sample_rate(item_id)), mimetype="audio/wav")

    @app.post("/vote")
    def vote() -> Response:
        rater_id = rater()
        sent = request.form.get("csrf", "")
        if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
            abort(403, "This vote did not come from the study's own page.")
        task_id = request.form.get("task", "")
        with opened() as humans:
            assigned = humans.assignment(study_name, rater_id, task_id)
            if assigned is None:
                abort(400, "This task is not one of yours.")
            if assigned["served_at"] is None:
                abort(400, "This task has not been shown to you yet.")
            sides = _sides(assigned["item_a"], assigned["item_b"], assigned["swapped"])
            words = dict(zip(("left", "right"), sides, strict=False))
            try:
                answers = [
                    parse_answer(study, q.id, request.form.get(f"q_{q.id}"), words)
                    for q in study.questions
                ]
            except AnswerError as exc:
                abort(400, f"Your answer was not recorded: {exc}.")
            outcome = humans.record_votes(
                study_name,
                rater_id,
                task_id,
                answers,
                {"sides": sides, "swapped": bool(assigned["swapped"])},
                assigned["served_at"],
                now(),
                "web",
            )
        if outcome == "conflict":
            abort(409, "You already answered this task differently; your first answer counts.")
        return redirect(url_for("task"), 303)

    return app


def _sides(item_a: str, item_b: str | None, swapped: bool) -> list[str]:
    """Items in the order shown, left to right."""
    if item_b is None:
        return [item_a]
    return [item_b, item_a] if swapped else [item_a, item_b]


def _view(items: Items, item_id: str, kind: str) -> dict[str, str]:
    """A text item's text, or the URL of an image or audio item (its PNG or WAV is made
    only when the browser asks for it, not for every task page)."""
    if kind == "text":
        return {"text": items.sample(item_id)}
    if kind == "audio":
        return {"audio": url_for("clip", item_id=item_id)}
    return {"src": url_for("item", item_id=item_id)}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(app: Flask, host: str, port: int, threads: int = 4) -> Any:
    """A waitress server (``.run()``, ``.close()``, ``.effective_port``) with body limits."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY,
        max_request_header_size=16 * 1024,
        ident="benchbench",
    )


def stop(server: Any) -> None:
    """Let the worker threads finish the requests they hold, then close the listening
    socket and every open connection, so ``server.run`` returns (a browser's keep-alive
    connections would otherwise keep it looping). Closing first would pull the rug from
    under a thread still writing its response."""
    server.task_dispatcher.shutdown()
    _close(server)


def stop_running(server: Any) -> None:
    """``stop`` for a server whose ``run`` loop is live in another thread: the loop closes
    the sockets itself between two polls, never while its select() is watching them."""
    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(lambda: _close(server))


def _close(server: Any) -> None:
    server.close()
    close_all(server._map)
