"""The raters' web app (Flask, served by waitress): the study's pages as a blueprint,
over a ``StudyService`` that does the work.

A rater opens the study's join link (``/join/<token>``), gets a signed session cookie
naming them, and is sent from task to task until their assignment is done. Votes are
POSTed with the session's CSRF token; the server, not the browser, knows when a task
was first shown, which side held which item, and which items a rater may load. Pages
carry no script; Jinja escapes everything shown; a strict Content-Security-Policy
and small request limits leave little to abuse. The join link admits at most the
study's ``max_raters`` raters, and no faster than ``JoinLimiter`` allows; a rater may
vote only on the task the server last showed them, with answers ``parse_answer`` accepts.
The routes hold only what is web: the session cookie, the CSRF token, the form's field
names and the pages; ``benchbench.human.service`` decides everything else.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from waitress.server import create_server
from waitress.wasyncore import close_all

from benchbench.human.service import Finished, JoinLimiter, Refused, StudyService

MAX_BODY = 8 * 1024  # a vote is a few short form fields
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; "
    "style-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the join link holds the token
    "Cache-Control": "no-store",
}
SERVICE = "benchbench.study"  # the app's StudyService, in app.extensions

pages = Blueprint("study", __name__)


def create_app(db: Path, study_name: str, joins: JoinLimiter | None = None) -> Flask:
    """The app serving ``study_name``; ``joins`` paces new raters (default limits)."""
    service = StudyService(db, study_name, joins)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=service.secret,
        SESSION_COOKIE_NAME="bench_human",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=32,
    )
    app.extensions[SERVICE] = service
    app.register_blueprint(pages)
    return app


def _service() -> StudyService:
    return current_app.extensions[SERVICE]


def _joined(service: StudyService) -> bool:
    """Whether this browser's session is a rater of the study served."""
    return session.get("study") == service.name and "rater" in session


def _rater(service: StudyService) -> str:
    if not _joined(service):
        raise Refused(403, "Open the study's join link first.")
    return session["rater"]


def _page(
    title: str, text: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A page with one message (a thank-you, or why a request was refused)."""
    return Response(render_template("message.html", title=title, text=text), status, headers)


@pages.after_app_request
def headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@pages.app_errorhandler(Refused)
def refused(exc: Refused) -> Response:
    extra = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return _page(HTTPStatus(exc.status).phrase, exc.text, exc.status, extra)


@pages.app_errorhandler(400)
@pages.app_errorhandler(404)
@pages.app_errorhandler(405)
@pages.app_errorhandler(413)
def http_error(exc: Any) -> Response:
    """What Flask itself refuses (unknown paths and methods, bodies over the limits)."""
    return _page(exc.name, exc.description, exc.code)


@pages.get("/")
def home() -> Response:
    return _page("benchbench study", "Open the join link you were given.")


@pages.get("/join/<token>")
def join(token: str) -> Response:
    service = _service()
    worker = request.args.get("worker")
    service.check_link(token, worker)
    if not _joined(service):
        rater_id = service.join(request.remote_addr or "", worker)
        session.clear()
        session.update(study=service.name, rater=rater_id, csrf=secrets.token_urlsafe(32))
    return redirect(url_for("study.task"), 303)


@pages.get("/task")
def task() -> Response | str:
    service = _service()
    shown = service.next_task(_rater(service))
    if isinstance(shown, Finished):
        return _page("Thank you", f"All {shown.total} tasks are done.")
    return render_template(
        "task.html",
        study=service.study,
        task_id=shown.task_id,
        csrf=session["csrf"],
        sides=[_view(service, item) for item in shown.sides],
        prompt=shown.prompt,
        number=shown.number,
        total=shown.total,
    )


def _view(service: StudyService, item_id: str) -> dict[str, str]:
    """A text item's text, or the URL of an image, audio or video item (its PNG, WAV or
    animated GIF is made only when the browser asks for it, not for every task page)."""
    if service.sample_kind == "text":
        return {"text": service.items.sample(item_id)}
    if service.sample_kind == "audio":
        return {"audio": url_for("study.clip", item_id=item_id)}
    if service.sample_kind == "video":
        return {"src": url_for("study.animation", item_id=item_id)}
    return {"src": url_for("study.item", item_id=item_id)}


@pages.get("/item/<item_id>.png")
def item(item_id: str) -> Response:
    service = _service()
    return Response(service.image(_rater(service), item_id), mimetype="image/png")


@pages.get("/item/<item_id>.wav")
def clip(item_id: str) -> Response:
    service = _service()
    return Response(service.clip(_rater(service), item_id), mimetype="audio/wav")


@pages.get("/item/<item_id>.gif")
def animation(item_id: str) -> Response:
    service = _service()
    return Response(service.animation(_rater(service), item_id), mimetype="image/gif")


@pages.post("/vote")
def vote() -> Response:
    service = _service()
    rater_id = _rater(service)
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
        raise Refused(403, "This vote did not come from the study's own page.")
    answers = {q.id: request.form.get(f"q_{q.id}") for q in service.study.questions}
    service.vote(rater_id, request.form.get("task", ""), answers)
    return redirect(url_for("study.task"), 303)


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
