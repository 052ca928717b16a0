"""One family of errors, each carrying the structured facts a caller needs to report it."""

from __future__ import annotations

from typing import Any


class CredenceError(Exception):
    """Base of every error credence reports on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFoundError(CredenceError):
    """A named subject, record, rulebook or list does not exist."""

    code = "not_found"


class ConflictError(CredenceError):
    """The request contradicts what the ledger already holds."""

    code = "conflict"


class RulebookError(CredenceError):
    """A rulebook is malformed or breaks a publication rule."""

    code = "rulebook"


class ForbiddenError(CredenceError):
    """The caller may not do this."""

    code = "forbidden"


class InvalidInputError(CredenceError):
    """Input is malformed; the message names the bad value."""

    code = "invalid_input"
