"""Simulating a population: the use case behind `credence simulate` and the demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from credence.sim.population import SimSummary, simulate
from credence.sim.scenario import load_scenario

__all__ = ["SimSummary", "load_scenario", "run_simulation", "simulate"]


def run_simulation(
    scenario: Path | None,
    overrides: dict[str, Any],
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> SimSummary:
    """Simulate the scenario (default: the pilot town) with explicit overrides into `out`."""
    return simulate(load_scenario(scenario, **overrides), out, progress)
