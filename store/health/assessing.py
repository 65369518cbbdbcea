"""Assessing services in full: their signals gathered in SQL, the rules run in Python."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.enums import Health, ServiceStatus
from store.health.rules import Assessment, HealthSignals, Override, assess
from store.health.signals import gather_signals
from store.models import Service
from store.queries.id_lists import id_in

if TYPE_CHECKING:
    from store.context import QueryContext


class AssessedService(NamedTuple):
    """One active service's id and assessment (a tuple: a portfolio makes thousands)."""

    id: int
    assessment: Assessment


def assessment_columns():
    """What a service's assessment reads of its own row besides the signals: its override."""
    return (Service.id, Service.health_override, Service.health_override_reason, Service.health_override_expires_at)


def assess_rows(rows: Iterable, signals: dict[int, HealthSignals], ctx: QueryContext) -> list[AssessedService]:
    """Assess rows of `assessment_columns()`; a service with no signal and no override is On Track
    without running the rules (they would find nothing)."""
    now, today, limits = ctx.now, ctx.today, ctx.limits
    quiet = assess(HealthSignals(), now=now, today=today, limits=limits)
    assessed = []
    for service_id, override_health, override_reason, override_expires in rows:
        found = signals.get(service_id)
        if found is None and override_health is None:
            assessment = quiet
        else:
            override = (Override(override_health, override_reason, override_expires)
                        if override_health is not None else None)
            assessment = assess(found or HealthSignals(), now=now, today=today, limits=limits, override=override)
        assessed.append(AssessedService(service_id, assessment))
    return assessed


def _active(ctx: QueryContext):
    return Service.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE


def assess_active_services(session: Session, ctx: QueryContext,
                           only: Collection[int] | None = None) -> list[AssessedService]:
    """Active services (all, or `only` those) with their assessment, in five statements."""
    signals = gather_signals(session, ctx, only)
    query = select(*assessment_columns()).where(*_active(ctx))
    rows = session.execute(query if only is None else query.where(Service.id.in_(only)))
    return assess_rows(rows, signals, ctx)


def assess_signalled(session: Session, ctx: QueryContext, *, also: Collection[int] = ()) -> dict[int, Assessment]:
    """Assessments of the active services with a signal or an override (and of `also` those, when
    active), in five statements: the only services whose health can be other than On Track. Every
    other active service is On Track with no finding, so it is counted, never assessed."""
    signals = gather_signals(session, ctx)
    signalled = id_in(Service.id, {*signals, *also}, "signalled_ids")
    rows = session.execute(select(*assessment_columns()).where(
        *_active(ctx), or_(Service.health_override.is_not(None), signalled)))
    return {service.id: service.assessment for service in assess_rows(rows, signals, ctx)}


def counts_with_quiet(healths: Iterable[Health], total: int) -> dict[Health, int]:
    """Services by health, from the healths of those assessed (the ones with a signal or an override)
    and, of `total` services, every other one On Track: a service with nothing for the rules to find."""
    counted = {health: 0 for health in Health}
    for health in healths:
        counted[health] += 1
    counted[Health.ON_TRACK] = total - sum(n for health, n in counted.items() if health != Health.ON_TRACK)
    return counted
