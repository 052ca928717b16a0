"""Persistence: subjects, published rulebook versions and the hash-chained ledger (SQLAlchemy)."""

from credence.store.ledger import AppendOutcome
from credence.store.rulebooks import StoredBook
from credence.store.sql_store import SqlStore
from credence.store.subjects import SubjectsAdded
from credence.store.verification import VerifyResult

__all__ = ["AppendOutcome", "SqlStore", "StoredBook", "SubjectsAdded", "VerifyResult"]
