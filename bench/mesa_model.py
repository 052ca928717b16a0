"""The simulator's model written the usual way, one agent object per person, in Mesa.

Run by bench/simulate.py in a separate environment that has Mesa (see bench/README text in
bench/simulate.py): prints agent-steps per second for N agents over D days.
"""

from __future__ import annotations

import sys
import time

import mesa
import numpy as np

RATES = [0.25, 0.02, 0.01, 0.012, 0.015, 0.05, 0.15, 0.01, 0.2, 0.06]  # per year, as pilot-town


class Resident(mesa.Agent):  # type: ignore[misc]
    """One person: a propensity, and each day a chance of each kind of record."""

    def __init__(self, model: mesa.Model, propensity: float) -> None:
        super().__init__(model)
        self.propensity = propensity
        self.records = 0

    def step(self) -> None:
        for rate in RATES:
            if self.model.rng.random() < rate / 365 * self.propensity:
                self.records += 1


class Town(mesa.Model):  # type: ignore[misc]
    def __init__(self, people: int, seed: int = 1) -> None:
        super().__init__(rng=seed)
        gen = np.random.default_rng(seed)
        for p in gen.gamma(0.4, 1 / 0.4, people):
            Resident(self, float(p))

    def step(self) -> None:
        self.agents.do("step")


def main() -> None:
    people, days = int(sys.argv[1]), int(sys.argv[2])
    town = Town(people)
    began = time.perf_counter()
    for _ in range(days):
        town.step()
    seconds = time.perf_counter() - began
    print(f"{people * days / seconds:.0f}")


if __name__ == "__main__":
    main()
