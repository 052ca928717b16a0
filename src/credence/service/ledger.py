"""Auditing the ledger's hash chains."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from credence.store import VerifyResult

if TYPE_CHECKING:
    from credence.service.context import Credence


def verify_ledger(app: Credence, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Recompute every entry's hash; the result names the first entry that does not match."""
    return app.store.verify(progress)
