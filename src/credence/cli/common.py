"""What every command shares: the app, output, errors, --json, --at and progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from credence.domain.errors import CredenceError
from credence.domain.times import parse_instant
from credence.service.context import Credence, open_credence
from credence.service.settings import Settings

app = typer.Typer(
    help="credence: rule-based trust scoring with published rules, explained points, notice, "
    "appeal and a tamper-evident ledger.\n\nThe database is CREDENCE_DB (default an SQLite file "
    "credence.sqlite here); CREDENCE_NOW fixes the clock.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Answer for this instant (ISO 8601 date or date-time; default now)."),
]


def fail(message: str, lines: list[str] | None = None) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    for line in lines or []:
        err.print(f"  {line}", highlight=False, markup=False)
    raise typer.Exit(1)


@contextmanager
def credence(*, migrate: bool = False) -> Iterator[Credence]:
    """Open the application for one command, turning credence errors into clear lines."""
    try:
        instance = open_credence(Settings(), migrate=migrate)
    except CredenceError as exc:
        fail(exc.message)
    try:
        yield instance
    except CredenceError as exc:
        fail(exc.message, exc.details.get("problems"))
    finally:
        instance.close()


def emit(as_json: bool, payload: Any, human: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    else:
        human()


def at_instant(at: str | None) -> datetime | None:
    if at is None:
        return None
    try:
        return parse_instant(at)
    except CredenceError as exc:
        fail(f"--at: {exc.message}")


@contextmanager
def progress_bar(label: str, total: int | None, quiet: bool) -> Iterator[Callable[[int], None]]:
    if quiet or not err.is_terminal:
        yield lambda n: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
