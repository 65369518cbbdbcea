"""Load or refresh the demo portfolio in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Delete, delete, func, select
from sqlalchemy.orm import Session

from store.context import QueryContext
from store.demo import spec
from store.demo.build import KEY_PREFIX, build
from store.digests import subscribe
from store.models import (
    Allocation,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    PersonSkill,
    PostedMessage,
    Project,
    ReallocationProposal,
    RoleRate,
    Service,
    ServiceSkill,
    StatusChange,
    Task,
    Ticket,
    TimeEntry,
    TimeOff,
    service_members,
)
from store.sla import forget_schedule

# Children before parents, so foreign keys hold at every step.
KEYED_TABLES = (RoleRate, Allocation, TimeEntry, TimeOff, Task, Ticket, Appointment, Deliverable, Milestone, Project,
                Service, Person, Customer)


class DemoRefused(Exception):
    """The database holds data that is not the demo's; the message says how to go on."""


@dataclass(frozen=True)
class DemoLoaded:
    team_id: str
    rows: int
    replaced: int


def foreign_rows(session: Session) -> int:
    """Rows in any workspace that the demo did not write."""
    return sum(
        session.scalar(select(func.count()).select_from(model).where(~model.key.startswith(KEY_PREFIX)))
        for model in KEYED_TABLES
    )


def clear_workspace(session: Session, team_id: str) -> int:
    """Delete every row of workspace `team_id`, children first; returns how many went.

    Remembered messages go too (they show objects that are being replaced); digest
    subscriptions and the delivery ledger stay: they are the workspace's settings and history.
    """
    session.execute(delete(PostedMessage).where(PostedMessage.team_id == team_id))
    forget_schedule(session, team_id)
    removed = _deleted(session, delete(StatusChange).where(StatusChange.team_id == team_id))
    team_services = select(Service.id).where(Service.team_id == team_id)
    session.execute(delete(service_members).where(service_members.c.service_id.in_(team_services)))
    for unkeyed in (ReallocationProposal, PersonSkill, ServiceSkill):
        removed += _deleted(session, delete(unkeyed).where(unkeyed.team_id == team_id))
    for model in KEYED_TABLES:
        removed += _deleted(session, delete(model).where(model.team_id == team_id))
    return removed


def _deleted(session: Session, statement: Delete) -> int:
    """How many rows a DELETE removed (its result is a CursorResult, which `Session.execute` types as Result)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult), type(result)
    return result.rowcount


def refuse_foreign_rows(session: Session, *, force: bool) -> None:
    """Raise DemoRefused when the database holds rows the demo loaders did not write."""
    if force:
        return
    others = foreign_rows(session)
    if others:
        raise DemoRefused(
            f"the database holds {others} rows that are not demo data; "
            "use --force to replace this workspace's data with the demo"
        )


def load_demo(session: Session, *, team_id: str, now: datetime, tz: ZoneInfo, force: bool = False) -> DemoLoaded:
    """Replace workspace `team_id`'s data with the demo portfolio, dated around `now`.

    Refuses when the database holds anything the demo did not write, unless `force`;
    forced, it replaces that workspace's data and leaves other workspaces alone.
    The caller commits: everything happens in the caller's one transaction.
    """
    refuse_foreign_rows(session, force=force)
    replaced = clear_workspace(session, team_id)
    demo = build(team_id, now, tz)
    session.add_all(demo.rows)
    session.flush()
    for change, deliverable in demo.audit:
        change.object_id = deliverable.id
        session.add(change)
    session.flush()
    ctx = QueryContext(team_id=team_id, now=now, tz=tz)
    for digest, at_time, days in spec.DEMO_SUBSCRIPTIONS:
        subscribe(session, ctx, digest=digest, channel_id=spec.DEMO_OPS_CHANNEL, at_time=at_time, days=days,
                  timezone=tz.key)
    return DemoLoaded(team_id=team_id, rows=len(demo.rows) + len(demo.audit), replaced=replaced)
