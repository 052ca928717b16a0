"""The `credence` command line. Every reporting command takes --json."""

from credence.cli import demo, ledger, serve, simulate, workflow  # noqa: F401  (registers)
from credence.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
