"""The delivery ledger: one row per (subscription, period), claimed before its digest is posted.

The unique key (team, subscription, period) is what makes a digest go out at most once, whatever
restarts or extra schedulers do: a claim that finds the row already written gets nothing. Every
claim ends in one `DeliveryStatus` other than pending; a claim left pending by a process that
stopped becomes uncertain (`expire_stale_claims`), and ops are told of each failed and uncertain
delivery once (`take_unreported_problems`; `take_untold` serves the warnings' ledgers too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Integer, Row, Select, String, bindparam, literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from store.context import QueryContext
from store.db import mapped_table
from store.enums import DeliveryStatus
from store.models import DigestDelivery, EscalationStep, SlipWarning, TicketWarning, UTCDateTime

PROBLEMS = (DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN)


@dataclass(frozen=True)
class Claim:
    """A due delivery to claim: its subscription key and period, and what it would post where."""

    key: str
    period: str
    digest: str
    channel_id: str
    scheduled_for: datetime


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: DeliveryStatus
    error: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class Problem:
    """A failed or uncertain delivery ops have not been told of. `repeated`: it failed as the same
    subscription's delivery before it did, with the same error, and ops were told then."""

    delivery_id: int
    digest: str
    channel_id: str
    period: str
    status: DeliveryStatus
    error: str | None
    repeated: bool


def recorded_periods(session: Session, ctx: QueryContext, *, wanted: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (subscription key, period) pairs already have a ledger row."""
    if not wanted:
        return set()
    rows = session.execute(select(DigestDelivery.subscription_key, DigestDelivery.period).where(
        DigestDelivery.team_id == ctx.team_id,
        tuple_(DigestDelivery.subscription_key, DigestDelivery.period).in_(wanted),
    ))
    return {(key, period) for key, period in rows}


def claim_deliveries(session: Session, ctx: QueryContext, *, claims: Sequence[Claim], claimed_by: str,
                     status: DeliveryStatus = DeliveryStatus.PENDING) -> dict[tuple[str, str], int]:
    """Write a ledger row for each claim that has none yet, in one statement; the ids of those this call
    wrote, by (key, period). A row another process wrote first is skipped, not an error: that process
    posts it. On PostgreSQL a claim of a row another transaction is writing waits for it to commit."""
    if not claims:
        return {}
    finished = None if status == DeliveryStatus.PENDING else ctx.now
    rows = [{"team_id": ctx.team_id, "subscription_key": c.key, "period": c.period, "digest": c.digest,
             "channel_id": c.channel_id, "scheduled_for": c.scheduled_for, "status": status.value,
             "claimed_at": ctx.now, "claimed_by": claimed_by, "finished_at": finished} for c in claims]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(DigestDelivery).values(rows)
                 .on_conflict_do_nothing(index_elements=["team_id", "subscription_key", "period"])
                 .returning(DigestDelivery.id, DigestDelivery.subscription_key, DigestDelivery.period))
    return {(key, period): delivery_id for delivery_id, key, period in session.execute(statement)}


def finish_deliveries(session: Session, ctx: QueryContext, *, outcomes: Sequence[Outcome]) -> None:
    """Record how each claimed delivery ended, in one statement."""
    finish_claims(session, ctx, DigestDelivery, "id", [(o.delivery_id, o.status, o.error) for o in outcomes],
                  ts=[o.ts for o in outcomes])


def expire_stale_claims(session: Session, ctx: QueryContext, *, claimed_before: datetime) -> int:
    """Claims still pending that were made before `claimed_before` become uncertain (`expire_stale`)."""
    return expire_stale(session, ctx, DigestDelivery, claimed_before=claimed_before)


# The ledgers of posts claimed before they are made (the digests', the SLA and slip warnings', the escalation
# steps'): each claim ends sent, empty, failed or uncertain, and ops are told of the failed and uncertain once.
Ledger = type[DigestDelivery] | type[TicketWarning] | type[SlipWarning] | type[EscalationStep]
Columns = TypeVarTuple("Columns")


def finish_claims(session: Session, ctx: QueryContext, ledger: Ledger, key: str,
                  outcomes: Sequence[tuple[int, DeliveryStatus, str | None]], *, ts: Sequence[str | None] = ()) -> None:
    """Record how each claim of `ledger` ended, in one statement: `outcomes` are (the claim's `key` column,
    its status, its error), and `ts` the posts' timestamps when the ledger keeps them (the digests')."""
    if not outcomes:
        return
    table = mapped_table(ledger)
    values = {"status": bindparam("outcome", type_=String()), "error": bindparam("failure", type_=String()),
              "finished_at": bindparam("at", type_=UTCDateTime())}
    if ts:
        values["ts"] = bindparam("posted_ts", type_=String())
    rows = [{"claim": claim, "outcome": status.value, "failure": error, "at": ctx.now}
            for claim, status, error in outcomes]
    for row, posted in zip(rows, ts, strict=False):
        row["posted_ts"] = posted
    session.execute(update(table).where(table.c[key] == bindparam("claim", type_=Integer())).values(values), rows)


UNFINISHED = "claimed but never finished: the claiming process stopped"


def expire_stale(session: Session, ctx: QueryContext, ledger: Ledger, *, claimed_before: datetime) -> int:
    """The ledger's claims still pending that were made before `claimed_before` become uncertain: the
    process that made them stopped between claiming and recording the outcome, so the post may or may not
    have gone out, and it is never made again. How many there were."""
    result = session.execute(
        update(ledger)
        .where(ledger.team_id == ctx.team_id, ledger.status == DeliveryStatus.PENDING.value,
               ledger.claimed_at < claimed_before)
        .values(status=DeliveryStatus.UNCERTAIN.value, finished_at=ctx.now, error=UNFINISHED)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def status_in(column: InstrumentedAttribute[str], statuses: Iterable[DeliveryStatus]) -> ColumnElement[bool]:
    """`column IN ('failed', ...)` with the values written into the SQL, not bound: a partial index on
    those statuses is used only when the planner sees them (SQLite's, and PostgreSQL's generic plans)."""
    return column.in_([literal(status.value, literal_execute=True) for status in statuses])


def take_untold(session: Session, ctx: QueryContext, ledger: Ledger, query: Select[int, *Columns], *,
                limit: int) -> list[Row[int, *Columns]]:
    """The rows of `query` (which selects `ledger.id` first) that failed or are uncertain and ops have not
    been told of, oldest first, marked told in this transaction. On PostgreSQL the rows another scheduler
    is taking are skipped, so each is told once."""
    query = (query.where(ledger.team_id == ctx.team_id, status_in(ledger.status, PROBLEMS),
                         ledger.reported_at.is_(None))
             .order_by(ledger.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ledger, skip_locked=True)
    rows = list(session.execute(query).all())
    if rows:
        session.execute(update(ledger).where(ledger.id.in_([row[0] for row in rows]))
                        .values(reported_at=ctx.now).execution_options(synchronize_session=False))
    return rows


def release_told(session: Session, ctx: QueryContext, ledger: Ledger, ids: Sequence[int]) -> None:
    """Ops could not be told after all (the summary was not posted): tell them at the next run."""
    if ids:
        session.execute(update(ledger).where(ledger.team_id == ctx.team_id, ledger.id.in_(list(ids)))
                        .values(reported_at=None).execution_options(synchronize_session=False))


def take_unreported_problems(session: Session, ctx: QueryContext, *, limit: int = 500) -> list[Problem]:
    """The failed and uncertain deliveries ops have not been told of, oldest first, marked told in this
    transaction (`take_untold`)."""
    rows = take_untold(session, ctx, DigestDelivery, select(
        DigestDelivery.id, DigestDelivery.subscription_key, DigestDelivery.digest, DigestDelivery.channel_id,
        DigestDelivery.period, DigestDelivery.status, DigestDelivery.error), limit=limit)
    if not rows:
        return []
    repeated = _repeated_failures(session, ctx, [(row[0], row[1], row[4]) for row in rows
                                                 if row[5] == DeliveryStatus.FAILED.value])
    return [Problem(delivery_id, digest, channel, period, DeliveryStatus(status), error,
                    repeated=repeated.get(delivery_id) == error)
            for delivery_id, _key, digest, channel, period, status, error in rows]


def _repeated_failures(session: Session, ctx: QueryContext,
                       failed: list[tuple[int, str, str]]) -> dict[int, str | None]:
    """For each failed (id, key, period): the error of the same subscription's latest delivery before
    it, when that one failed too (and was told). One statement for all of them."""
    if not failed:
        return {}
    earlier = session.execute(
        select(DigestDelivery.subscription_key, DigestDelivery.period, DigestDelivery.status, DigestDelivery.error)
        .where(DigestDelivery.team_id == ctx.team_id,
               DigestDelivery.subscription_key.in_(sorted({key for _, key, _ in failed})),
               DigestDelivery.status.in_([DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value,
                                          DeliveryStatus.EMPTY.value]))
        .order_by(DigestDelivery.subscription_key, DigestDelivery.period.desc())).all()
    history: dict[str, list[tuple[str, str, str | None]]] = {}
    for key, period, status, error in earlier:
        history.setdefault(key, []).append((period, status, error))
    found: dict[int, str | None] = {}
    for delivery_id, key, period in failed:
        before = next((row for row in history.get(key, []) if row[0] < period), None)
        if before is not None and before[1] == DeliveryStatus.FAILED.value:
            found[delivery_id] = before[2]
    return found


def release_problems(session: Session, ctx: QueryContext, *, delivery_ids: Sequence[int]) -> None:
    """Ops could not be told after all (the summary was not posted): tell them at the next run."""
    release_told(session, ctx, DigestDelivery, delivery_ids)


@dataclass(frozen=True)
class LedgerRow:
    period: str
    digest: str
    channel_id: str
    status: str
    error: str | None
    claimed_by: str | None


def ledger_rows(session: Session, ctx: QueryContext, *, statuses: Sequence[str] = (),
                period: str | None = None, limit: int = 1000) -> list[LedgerRow]:
    """The latest ledger rows (of these statuses, of this period, when given), newest period first."""
    query = select(DigestDelivery.period, DigestDelivery.digest, DigestDelivery.channel_id, DigestDelivery.status,
                   DigestDelivery.error, DigestDelivery.claimed_by).where(DigestDelivery.team_id == ctx.team_id)
    if statuses:
        query = query.where(DigestDelivery.status.in_(list(statuses)))
    if period is not None:
        query = query.where(DigestDelivery.period == period)
    rows = session.execute(query.order_by(DigestDelivery.period.desc(), DigestDelivery.id).limit(limit))
    return [LedgerRow(*row) for row in rows]


def deliveries(session: Session, ctx: QueryContext) -> list[tuple[str, str, str, str | None]]:
    """(key, period, status, error) of every ledger row, for tests and the CLI's report."""
    return list(session.execute(select(DigestDelivery.subscription_key, DigestDelivery.period,
                                       DigestDelivery.status, DigestDelivery.error)
                                .where(DigestDelivery.team_id == ctx.team_id).order_by(DigestDelivery.id)))
