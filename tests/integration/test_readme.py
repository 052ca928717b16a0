"""The README is part of the product: its walk-through runs, and it documents every command."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli import app
from credence.service.settings import Settings
from tests.integration.conftest import EXAMPLES, ROOT, RULEBOOKS

README = (ROOT / "README.md").read_text()


def walkthrough() -> list[list[str]]:
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("credence ")]


def test_the_readme_opens_with_the_two_commands() -> None:
    first = README.split("```", 2)[1]
    assert "make demo" in first and "make test" in first


def test_the_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(RULEBOOKS, tmp_path / "rulebooks")
    env = {
        "CREDENCE_DB": f"sqlite:///{tmp_path / 'walk.sqlite'}",
        "CREDENCE_NOW": "2026-11-01",
        "CREDENCE_RULEBOOKS": str(tmp_path / "rulebooks"),
    }
    outputs = {}
    for args in walkthrough():
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, f"credence {' '.join(args)}:\n{result.output}"
        outputs[" ".join(args)] = result.stdout
    assert "accepted 30" in outputs["ingest examples/records.csv"]
    assert "score 900, grade B" in outputs["score P-0001 --at 2026-04-01"]
    assert "score 1000, grade A" in outputs["score P-0001"]
    assert "refused" in outputs["decide P-0008 rail.high-speed --at 2026-11-12"]
    assert "ledger ok" in outputs["verify"]


def test_every_command_is_documented() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    commands = re.findall(r"│ (\S+)\s", result.stdout.split("Commands")[1])
    assert commands
    for command in commands:
        assert f"`credence {command}" in README, f"{command} is missing from the README"


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert f"`CREDENCE_{name.upper()}`" in README
        assert field.description
