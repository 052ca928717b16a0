"""Walk every chain of the ledger and report the first entry that does not hold together."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.records import chain_hash, content_hash
from credence.store.ledger import GENESIS, record_from_row
from credence.store.schema import chain_heads, records

_HEADS = sa.select(chain_heads.c.partition, chain_heads.c.seq, chain_heads.c.hash)
_BATCH_ROWS = 5_000
_PROGRESS_EVERY = 10_000


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of a walk over the ledger: ok, or the first bad entry and why."""

    ok: bool
    checked: int  # entries read
    first_bad: str | None = None  # `SOURCE:ID (entry N)`, or `chain head of SOURCE`
    reason: str | None = None


@dataclass(slots=True)
class _Chain:
    """How far the walk along one partition's chain has got."""

    partition: str
    seq: int = 0
    hash: str = GENESIS
    broken: bool = False


@dataclass(frozen=True, slots=True)
class _Problem:
    order: float
    where: str
    reason: str


def verify(connection: Connection, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Recompute every entry's hashes along its chain and compare the chain heads."""
    # Partitions named '#...' chain reviews and appeals; store/workflow.py walks those.
    heads = {
        row.partition: (row.seq, row.hash)
        for row in connection.execute(sa.select(chain_heads))
        if not row.partition.startswith("#")
    }
    problems: list[_Problem] = []
    walked: set[str] = set()
    chain: _Chain | None = None
    checked = 0
    for row in _entries_in_chain_order(connection):
        if chain is None or row.source != chain.partition:
            if chain is not None:
                problems.extend(_head_problems(chain, heads))
            chain = _Chain(row.source)
            walked.add(row.source)
        checked += 1
        if not chain.broken:
            reason = _follow(chain, row)
            if reason is not None:
                chain.broken = True
                problems.append(
                    _Problem(row.entry, f"{row.source}:{row.id} (entry {row.entry})", reason)
                )
        if progress is not None and checked % _PROGRESS_EVERY == 0:
            progress(checked)
    if chain is not None:
        problems.extend(_head_problems(chain, heads))
    problems.extend(_heads_without_entries(heads, walked))
    if progress is not None:
        progress(checked)
    if not problems:
        return VerifyResult(ok=True, checked=checked)
    first = min(problems, key=lambda problem: problem.order)
    return VerifyResult(ok=False, checked=checked, first_bad=first.where, reason=first.reason)


def _entries_in_chain_order(connection: Connection) -> sa.Result[Any]:
    query = (
        sa.select(records)
        .order_by(records.c.source, records.c.chain_seq)
        .execution_options(stream_results=True, yield_per=_BATCH_ROWS)
    )
    return connection.execute(query)


def _follow(chain: _Chain, row: sa.Row[Any]) -> str | None:
    """Check one entry against the one before it; on success move the chain onto it."""
    expected = chain.seq + 1
    if row.chain_seq != expected:
        return (
            f"chain {chain.partition} jumps from seq {chain.seq} to {row.chain_seq}: "
            "an entry was removed"
        )
    if row.prev_hash != chain.hash:
        return "its prev_hash is not the hash of the entry before it in its chain"
    try:
        record = record_from_row(row)
        digest = content_hash(record)
    except (TypeError, ValueError) as exc:
        return f"its stored content cannot be read back: {exc}"
    if digest != row.content_hash:
        return (
            "its content no longer matches its content hash "
            "(subject, type, occurred_at, data or evidence was changed)"
        )
    if chain_hash(row.prev_hash, digest, record.recorded_at, row.chain_seq) != row.hash:
        return "its hash does not match its link in the chain (recorded_at or hash was changed)"
    chain.seq, chain.hash = row.chain_seq, row.hash
    return None


def _head_problems(chain: _Chain, heads: dict[str, tuple[int, str]]) -> list[_Problem]:
    if chain.broken:
        return []  # the entry that broke the chain is already reported
    where = f"chain head of {chain.partition}"
    head = heads.get(chain.partition)
    if head is None:
        return [_Problem(math.inf, where, f"chain {chain.partition} has entries but no head")]
    seq, head_hash = head
    if seq > chain.seq:
        reason = (
            f"the head is at seq {seq} but the chain ends at seq {chain.seq}: entries were removed"
        )
        return [_Problem(math.inf, where, reason)]
    if (seq, head_hash) != (chain.seq, chain.hash):
        reason = f"the head (seq {seq}) does not match the chain's last entry (seq {chain.seq})"
        return [_Problem(math.inf, where, reason)]
    return []


def _heads_without_entries(heads: dict[str, tuple[int, str]], walked: set[str]) -> list[_Problem]:
    return [
        _Problem(
            math.inf,
            f"chain head of {partition}",
            f"the head is at seq {seq} but the chain has no entries: they were removed",
        )
        for partition, (seq, head_hash) in sorted(heads.items())
        if partition not in walked and (seq, head_hash) != (0, GENESIS)
    ]
