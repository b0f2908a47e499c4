"""What the raters' web app does, without the web: admit a rater, pick their next task,
check and record their vote.

``StudyService`` holds one served study. Each method is one step of a rater's visit;
what the study refuses is a ``Refused`` (the HTTP status and the sentence the rater
reads), which ``server`` turns into a page. The store is opened for each step and closed
after it, one step at a time, so DuckDB's file lock is held only while a request runs:
``bench human results`` or ``bench run`` can use the file while a study is being served
(a step that finds the file busy waits up to ``BUSY_SECONDS``). Opening costs tens of
milliseconds, nothing next to the seconds a rater spends on a task.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchbench.human.design import assign
from benchbench.human.samples import Items, image_png, video_gif
from benchbench.human.study import AnswerError, Study, parse_answer
from benchbench.records import now
from benchbench.store.human import Answer, HumanStore
from benchbench.store.runs import Store, StoreBusy, StoreError

BUSY_SECONDS = 10.0  # how long a request waits for another process to release the store
WORKER_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class StudyNotFound(LookupError):
    pass


class Refused(Exception):
    """A step the study turns down: the HTTP status and what the rater is told."""

    def __init__(self, status: int, text: str, retry_after: int | None = None):
        super().__init__(text)
        self.status, self.text, self.retry_after = status, text, retry_after


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


def sides_shown(item_a: str, item_b: str | None, swapped: bool) -> list[str]:
    """Items in the order shown, left to right."""
    if item_b is None:
        return [item_a]
    return [item_b, item_a] if swapped else [item_a, item_b]


@dataclass(frozen=True)
class Shown:
    """The task a rater is shown now: its items left to right, and where they are."""

    task_id: str
    sides: list[str]
    prompt: str | None  # A/B pairs share their prompt
    number: int  # 1 for the rater's first task
    total: int


@dataclass(frozen=True)
class Finished:
    """A rater who has answered every task of their assignment."""

    total: int


class StudyService:
    """One study served to raters: its definition, items and task pool are read once;
    every step opens the store ``db`` for its own length, one step at a time (joins
    balance on the current load; DuckDB writes don't race)."""

    def __init__(self, db: Path, name: str, joins: JoinLimiter | None = None):
        self.db, self.name, self.joins = db, name, joins or JoinLimiter()
        with open_store(db) as store:
            humans = HumanStore(store)
            record = humans.study(name)
            if record is None:
                raise StudyNotFound(f"no study {name!r} in {db}")
            self.items = Items(humans, name)
            self.tasks = [
                (r.task_id, r.check_kind, r.repeat_of) for r in humans.tasks(name).itertuples()
            ]
        self.study = Study.model_validate(record.spec)
        self.secret, self.token, self.sample_kind = record.secret, record.token, record.sample_kind
        self.one_at_a_time = threading.Lock()

    @contextmanager
    def opened(self) -> Iterator[HumanStore]:
        """The store for the length of one step."""
        with self.one_at_a_time:
            try:
                store = open_store(self.db)
            except StoreError:
                raise Refused(503, "The results store is busy; try again in a moment.") from None
            with store:
                yield HumanStore(store)

    def check_link(self, token: str, worker: str | None) -> None:
        """Refuse a join link without the study's token, or with a malformed worker id."""
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            raise Refused(404, "This join link is not valid.")
        if worker is not None and (not 0 < len(worker) <= 64 or set(worker) - WORKER_ID_CHARS):
            raise Refused(400, "worker must be 1-64 letters, digits, '_' or '-'.")

    def join(self, client: str, worker: str | None) -> str:
        """A new rater's id, their tasks assigned, if the join limits and ``max_raters``
        admit one more from the address ``client``."""
        wait = math.ceil(self.joins.admit(client))
        if wait:
            text = f"Too many raters joined just now; try again in {wait} seconds."
            raise Refused(429, text, retry_after=wait)
        rater_id = secrets.token_hex(8)
        with self.opened() as humans:
            if humans.rater_count(self.name, "web") >= self.study.max_raters:
                text = f"This study is full: all its {self.study.max_raters} raters have joined."
                raise Refused(403, text)
            humans.add_rater(self.name, rater_id, worker, "web", self._plan(humans, rater_id))
        return rater_id

    def _plan(self, humans: HumanStore, rater_id: str) -> list[tuple[str, bool]]:
        """The rater's tasks, balanced on how often each has been assigned so far."""
        study = self.study
        return assign(
            self.tasks,
            humans.task_load(self.name),
            study.tasks_per_rater,
            study.attention.repeats,
            study.attention.planted,
            np.random.default_rng([study.seed, int(rater_id, 16)]),
        )

    def next_task(self, rater_id: str) -> Shown | Finished:
        """The rater's next unanswered task (the server notes when it was first shown)."""
        with self.opened() as humans:
            shown = humans.next_task(self.name, rater_id)
            done, total = humans.progress(self.name, rater_id)
        if shown is None:
            return Finished(total)
        sides = sides_shown(shown["item_a"], shown["item_b"], shown["swapped"])
        prompt = self.items.prompt(shown["item_a"])
        return Shown(shown["task_id"], sides, prompt, done + 1, total)

    def shown_sample(self, rater_id: str, item_id: str, kind: str) -> np.ndarray:
        """The item's array if it is one of the rater's own and of ``kind``."""
        with self.opened() as humans:
            allowed = item_id in self.items.index and humans.rater_may_see(
                self.name, rater_id, item_id
            )
        if not allowed:
            raise Refused(404, "No such item.")
        if self.items.kind(item_id) != kind:
            raise Refused(404, f"This item is {self.items.kind(item_id)}, not {kind}.")
        return self.items.sample(item_id)  # type: ignore[return-value]

    def image(self, rater_id: str, item_id: str) -> bytes:
        """An image item as PNG, if it is one of the rater's own."""
        return image_png(self.shown_sample(rater_id, item_id, "image"))

    def clip(self, rater_id: str, item_id: str) -> bytes:
        """An audio item as a 16-bit WAV file, if it is one of the rater's own."""
        from benchbench.outputs.audio import wav_bytes  # image and text studies skip torch

        pcm = self.shown_sample(rater_id, item_id, "audio")
        return wav_bytes(pcm, self.items.sample_rate(item_id))

    def animation(self, rater_id: str, item_id: str) -> bytes:
        """A video item as a looping GIF, if it is one of the rater's own."""
        video = self.shown_sample(rater_id, item_id, "video")
        return video_gif(video, self.items.frame_rate(item_id))

    def vote(self, rater_id: str, task_id: str, sent: Mapping[str, str | None]) -> None:
        """Record the rater's answers (``sent``: question id → the form's value) to a task
        they were shown; the same answers again are a no-op, other answers a conflict."""
        with self.opened() as humans:
            assigned = self._shown_task(humans, rater_id, task_id)
            sides = sides_shown(assigned["item_a"], assigned["item_b"], assigned["swapped"])
            outcome = humans.record_votes(
                self.name,
                rater_id,
                task_id,
                self._answers(sent, sides),
                {"sides": sides, "swapped": bool(assigned["swapped"])},
                assigned["served_at"],
                now(),
                "web",
            )
        if outcome == "conflict":
            text = "You already answered this task differently; your first answer counts."
            raise Refused(409, text)

    def _shown_task(self, humans: HumanStore, rater_id: str, task_id: str) -> dict[str, Any]:
        """The rater's assignment of ``task_id``, which the server must have shown them."""
        assigned = humans.assignment(self.name, rater_id, task_id)
        if assigned is None:
            raise Refused(400, "This task is not one of yours.")
        if assigned["served_at"] is None:
            raise Refused(400, "This task has not been shown to you yet.")
        return assigned

    def _answers(self, sent: Mapping[str, str | None], sides: list[str]) -> list[Answer]:
        """Every question's answer by ``parse_answer``; the form names sides left/right."""
        words = dict(zip(("left", "right"), sides, strict=False))
        try:
            return [
                parse_answer(self.study, q.id, sent.get(q.id), words) for q in self.study.questions
            ]
        except AnswerError as exc:
            raise Refused(400, f"Your answer was not recorded: {exc}.") from None
