"""Scenarios: who lives in the simulated population and how often each thing happens to them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

SCENARIOS = Path(__file__).parent / "scenarios"

Strict = ConfigDict(extra="forbid")


class Scenario(BaseModel):
    """A population, its regions, and a yearly rate per subject for each record type."""

    model_config = Strict
    name: str = "scenario"
    people: int = Field(ge=0)
    organisations: int = Field(ge=0)
    days: int = Field(default=365, ge=1)
    start: date = date(2026, 1, 1)
    seed: int = 2026
    regions: dict[str, float] = Field(default_factory=lambda: {"rongcheng": 1.0})
    rates: dict[str, float] = Field(default_factory=dict)  # record type -> per subject-year
    heterogeneity: float = Field(
        default=0.5,
        gt=0,
        description="Gamma shape of each subject's propensity: smaller means "
        "a few subjects account for most records, as in every real register.",
    )
    settle_share: float = Field(default=0.6, ge=0, le=1)
    pay_share: float = Field(default=0.7, ge=0, le=1)
    erroneous_share: float = Field(default=0.01, ge=0, le=1)
    block_days: int = Field(default=30, ge=1)
    rulebooks: Path | None = Field(
        default=None,
        description="Folder of rulebooks to run this population under, "
        "relative to the scenario file (default: the shipped books).",
    )


def load_scenario(path: Path | None = None, **overrides: Any) -> Scenario:
    """Read a scenario file (default: the pilot town) and apply explicit overrides."""
    source = path or SCENARIOS / "pilot-town.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    document.update({k: v for k, v in overrides.items() if v is not None})
    scenario = Scenario.model_validate(document)
    if scenario.rulebooks is not None and not scenario.rulebooks.is_absolute():
        scenario = scenario.model_copy(update={"rulebooks": source.parent / scenario.rulebooks})
    return scenario
