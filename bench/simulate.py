"""Simulator speed: people-days a second and peak memory, beside the same model in Mesa.

    .venv/bin/python bench/simulate.py                        # 100,000 people, one year
    .venv/bin/python bench/simulate.py --people 22000000      # Beijing's population

The Mesa baseline (one Python object per person, the usual agent-based way) runs in its own
environment so Mesa never enters the project's:

    python3.11 -m venv bench/.mesa && bench/.mesa/bin/pip install mesa==3.3.1

Each run happens in a fresh process, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MESA = HERE / ".mesa" / "bin" / "python"


def credence_run(people: int, days: int) -> None:
    """One simulation in this process: print rate and peak memory."""
    from credence.sim.population import simulate
    from credence.sim.scenario import load_scenario

    scenario = load_scenario(people=people, organisations=max(1, people // 30), days=days, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        summary = simulate(scenario, Path(folder))
        seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{people * days / seconds:.0f} {seconds:.2f} {peak:.2f} {summary.records}")


def measure(people: int, days: int) -> tuple[float, float, float, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--people", str(people), "--days", str(days)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3])


def mesa(people: int, days: int) -> float | None:
    if not MESA.exists():
        return None
    out = subprocess.run(
        [str(MESA), str(HERE / "mesa_model.py"), str(people), str(days)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, nargs="*", default=[100_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--mesa-people", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--mesa-days", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        credence_run(args.people[0], args.days)
        return
    best = 0.0
    for people in args.people:
        rate, seconds, peak, records = measure(people, args.days)
        best = max(best, rate)
        print(
            f"credence: {people:,} people x {args.days} days in {seconds:.1f} s = "
            f"{rate:,.0f} people-days/s, {records:,} records written, peak {peak:.2f} GiB"
        )
    for people in args.mesa_people:
        rate = mesa(people, args.mesa_days)
        if rate is None:
            print(f"mesa: not installed at {MESA}; see this script's docstring")
            break
        print(
            f"mesa: {people:,} agents x {args.mesa_days} days = {rate:,.0f} agent-steps/s; "
            f"credence is {best / rate:,.0f}x faster"
        )


if __name__ == "__main__":
    main()
