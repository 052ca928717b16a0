"""The `credence` command line. Every reporting command takes --json."""

from credence.cli import batch, demo, ledger, serve, simulate, workflow  # noqa: F401
from credence.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
