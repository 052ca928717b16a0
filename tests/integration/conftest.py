"""Driving the `credence` command line in-process, on each backend."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from credence.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RULEBOOKS = ROOT / "rulebooks"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Cli = Callable[..., Run]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run a credence command; `now` fixes the clock; a wrong exit code fails the test."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str, now: str = "2026-12-31T00:00:00", code: int = 0) -> Run:
        env = {
            "CREDENCE_DB": database_url,
            "CREDENCE_NOW": now,
            "CREDENCE_RULEBOOKS": str(RULEBOOKS),
        }
        result = runner.invoke(app, list(args), env=env)
        run = Run(result.exit_code, result.stdout, result.stderr)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert run.code == code, f"exit {run.code} for {args}:\n{run.stdout}\n{run.stderr}"
        return run

    return run


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    """A database initialised with the shipped rulebooks."""
    cli("init", now="2026-01-01")
    cli("load", now="2026-01-01")
    return cli


@pytest.fixture
def examples(loaded: Cli, tmp_path: Path) -> Cli:
    """The shipped rulebooks with the example subjects and records (ingested 2026-11-01)."""
    loaded("register", str(EXAMPLES / "subjects.csv"))
    records = shutil.copy(EXAMPLES / "records.csv", tmp_path / "records.csv")
    loaded("ingest", str(records), now="2026-11-01")
    return loaded


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path
