"""What every ``bench`` command shares: the consoles, one error path, the ``--db`` option,
the store opened with its errors turned into messages.

Every command fails through ``fail``: one ``error:`` line on stderr, exit code 2 for bad
input, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from benchbench.store.runs import Store, StoreError

# Wide enough for the results table when output goes to a file or CI log (no terminal width).
console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
err_console = Console(stderr=True, highlight=False)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file holding all results.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as an ``error:`` line and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning[/] {escape(message)}", soft_wrap=True)


@contextmanager
def opened_store(db: Path, *, read_only: bool = False, create: bool = True) -> Iterator[Store]:
    """The store for one command (``Store``'s arguments). A store that cannot be opened or
    read — missing for a reader, locked, corrupt, not a store, a failed write — ends the
    command with an ``error:`` line naming the file (exit 2), never a traceback."""
    try:
        with Store(db, read_only=read_only, create=create) as store:
            yield store
    except StoreError as exc:
        raise fail(str(exc)) from None


def describe_os_error(exc: OSError) -> str:
    """``file: reason`` for an operating-system error, without Python's errno prefix (a
    folder that cannot be made because a file holds its name says so, not "File exists")."""
    if isinstance(exc, FileExistsError):
        reason = "is a file, where a folder is needed"
    else:
        reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
