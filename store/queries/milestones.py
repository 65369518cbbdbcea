"""`/delivery milestones [this week|next week|overdue]`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from store.clock import week_of
from store.context import QueryContext
from store.enums import DONE_STATUSES, MilestoneWindow, ServiceStatus
from store.models import Customer, Deliverable, Milestone, Person, Service
from store.readmodels import MilestoneItem, MilestoneListing, PersonRef, ServiceRef

MAX_ITEMS = 40
WINDOWS = tuple(window.value for window in MilestoneWindow)


def _window_filter(ctx: QueryContext, window: str):
    if window == "overdue":
        return (Milestone.done_on.is_(None), Milestone.due_on < ctx.today), None, ctx.today - timedelta(days=1)
    week = ctx.week if window == "this week" else week_of(ctx.week.first_day + timedelta(days=7), ctx.tz)
    return (Milestone.due_on.between(week.first_day, week.last_day),), week.first_day, week.last_day


def milestone_list(session: Session, ctx: QueryContext, *, window: str) -> MilestoneListing:
    if window not in WINDOWS:
        raise ValueError(f"unknown milestone window {window!r}")
    conditions, first_day, last_day = _window_filter(ctx, window)
    in_scope = (
        Milestone.team_id == ctx.team_id,
        Service.status == ServiceStatus.ACTIVE,
        *conditions,
    )
    total = session.execute(select(func.count()).select_from(Milestone).join(Service).where(*in_scope)).scalar_one()
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    rows = session.execute(
        select(Milestone.name, Milestone.due_on, Milestone.done_on, Service.id, Service.name, Service.status,
               Customer.name, Person.name, Person.slack_user_id, func.count(Deliverable.id), done)
        .join(Service, Service.id == Milestone.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(*in_scope)
        .group_by(Milestone.id, Milestone.name, Milestone.due_on, Milestone.done_on, Service.id, Service.name,
                  Service.status, Customer.name, Person.name, Person.slack_user_id)
        .order_by(Milestone.due_on, Customer.name, Milestone.name)
        .limit(MAX_ITEMS)
    )
    items = [
        MilestoneItem(
            name=name, due_on=due, done_on=done_on,
            service=ServiceRef(service_id=sid, service_name=sname, customer_name=cname, status=status),
            owner=PersonRef(name=owner, slack_user_id=slack) if owner else None,
            deliverables_done=int(done_count or 0), deliverables_total=int(count),
        )
        for name, due, done_on, sid, sname, status, cname, owner, slack, count, done_count in rows
    ]
    return MilestoneListing(window=window, first_day=first_day, last_day=last_day, items=items, total=total)


def milestones_in_trouble(session: Session, ctx: QueryContext, *, limit: int = MAX_ITEMS) -> MilestoneListing:
    """Milestones of active services due this week, not done, and overdue or under-delivered.

    Under-delivered: under the health rules' share (default half) of its linked deliverables complete;
    a milestone with no linked deliverables is judged by its date only. Two statements.
    """
    week = ctx.week
    done = func.sum(case((Deliverable.status.in_(DONE_STATUSES), 1), else_=0))
    linked = func.count(Deliverable.id)
    grouped = (
        select(Milestone.id.label("milestone_id"), linked.label("linked"), done.label("done"))
        .join(Service, Service.id == Milestone.service_id)
        .outerjoin(Deliverable, Deliverable.milestone_id == Milestone.id)
        .where(
            Milestone.team_id == ctx.team_id, Service.status == ServiceStatus.ACTIVE,
            Milestone.done_on.is_(None), Milestone.due_on.between(week.first_day, week.last_day),
        )
        .group_by(Milestone.id, Milestone.due_on)
        .having(or_(Milestone.due_on < ctx.today,
                    and_(linked > 0, done < linked * ctx.limits.milestone_min_done_share)))
        .subquery()
    )
    total = session.execute(select(func.count()).select_from(grouped)).scalar_one()
    rows = session.execute(
        select(Milestone.name, Milestone.due_on, Service.id, Service.name, Service.status, Customer.name,
               Person.name, Person.slack_user_id, grouped.c.linked, grouped.c.done)
        .join(grouped, grouped.c.milestone_id == Milestone.id)
        .join(Service, Service.id == Milestone.service_id)
        .join(Customer, Customer.id == Service.customer_id)
        .outerjoin(Person, Person.id == Service.owner_id)
        .order_by(Milestone.due_on, Customer.name, Milestone.name, Milestone.id)
        .limit(limit)
    )
    items = [
        MilestoneItem(
            name=name, due_on=due, done_on=None,
            service=ServiceRef(service_id=sid, service_name=sname, customer_name=cname, status=status),
            owner=PersonRef(name=owner, slack_user_id=slack) if owner else None,
            deliverables_done=int(done_count or 0), deliverables_total=int(count or 0),
        )
        for name, due, sid, sname, status, cname, owner, slack, count, done_count in rows
    ]
    return MilestoneListing(window="in trouble", first_day=week.first_day, last_day=week.last_day, items=items,
                            total=total)
