"""The synthetic portfolio: the demo's shape at any size, the same rows every time, and a
portfolio query whose statement count does not grow with the portfolio."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from query_count import count_statements
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from messages.blocks.portfolio import MAX_ATTENTION_ROWS, portfolio_status_message
from store.bulk import DERIVED_TABLES
from store.context import QueryContext
from store.db import make_engine
from store.demo import DemoRefused
from store.demo.load import KEYED_TABLES
from store.demo.synthetic import load_synthetic
from store.demo.synthetic_plan import service_plans
from store.enums import Health, Phase, ServiceStatus
from store.health import (
    MAX_SHOWN_SERVICES,
    ServiceOrder,
    Standing,
    longest_in_state_first,
    portfolio_health,
    worst_first,
)
from store.models import Base, Customer, Deliverable, Service, Ticket
from store.queries.portfolio import portfolio_status
from store.schema import upgrade

SERVICES = 60


def load(engine, services: int = SERVICES, force: bool = False):
    return load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=services, force=force)


def status(engine):
    with Session(engine) as session:
        return portfolio_status(session, QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC))


def digest(engine) -> str:
    """Every column of every keyed row, in key order: equal digests mean equal portfolios."""
    sha = hashlib.sha256()
    with Session(engine) as session:
        for model in KEYED_TABLES:
            for row in session.execute(select(*model.__table__.c).order_by(model.key)):
                sha.update(repr(tuple(row)).encode())
    return sha.hexdigest()


def row_counts(engine) -> dict[str, int]:
    """Rows of every table the loader writes (not the tallies counted after it)."""
    with Session(engine) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name not in DERIVED_TABLES}


def test_plans_have_the_demo_mix_of_health_and_status():
    plans = list(service_plans(1000))
    active = [p for p in plans if p.status == ServiceStatus.ACTIVE]
    assert len(active) == 900
    assert Counter(p.health for p in active) == {Health.ON_TRACK: 720, Health.NEEDS_ATTENTION: 120, Health.AT_RISK: 60}
    assert set(Counter(p.phase for p in active)) == set(Phase)
    assert plans == list(service_plans(1000)), "the plan is deterministic"


def test_rejects_an_empty_portfolio():
    with pytest.raises(ValueError, match="at least 1"):
        load_synthetic(None, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=0)


def test_same_size_gives_identical_rows_in_fresh_databases(engine, fresh_engine):
    first, second = load(engine), load(fresh_engine)
    assert first == second
    assert digest(engine) == digest(fresh_engine)


def test_every_service_gets_the_health_it_was_planned_to_have(engine):
    load(engine)
    answer = status(engine)
    plans = {p.key: p for p in service_plans(SERVICES) if p.status == ServiceStatus.ACTIVE}
    with Session(engine) as session:
        keys = dict(session.execute(select(Service.id, Service.key)).all())
    assert {keys[v.service_id]: v.health for v in answer.needing_attention} == {
        key: p.health for key, p in plans.items() if p.health != Health.ON_TRACK
    }
    assert answer.active_services == len(plans)
    assert 0.85 <= answer.active_services / SERVICES <= 0.95
    assert all(answer.health_counts[h] > 0 for h in Health)
    assert answer.health_counts[Health.ON_TRACK] / answer.active_services == pytest.approx(0.8, abs=0.05)
    assert all(answer.phase_counts[p] > 0 for p in Phase)


def test_shape_follows_the_demo(engine):
    loaded = load(engine)
    counts = row_counts(engine)
    assert loaded.rows == sum(counts.values())
    assert counts["people"] == SERVICES // 3
    assert 13 <= counts["deliverables"] / SERVICES <= 17
    assert 46 <= counts["tickets"] / SERVICES <= 54
    assert 26 <= counts["appointments"] / SERVICES <= 34
    assert counts["milestones"] == 2 * SERVICES
    tally = status(engine).deliverables
    assert 0.8 <= tally.on_schedule_share <= 0.95
    assert tally.blocked > 0
    with Session(engine) as session:
        future = session.scalar(
            select(func.count()).where((Ticket.opened_at > WEDNESDAY) | (Ticket.resolved_at > WEDNESDAY))
        )
        done_later = session.scalar(select(func.count()).where(Deliverable.completed_at > WEDNESDAY))
    assert (future, done_later) == (0, 0), "nothing in the past may be dated after now"


def test_every_row_carries_the_workspace_team_id(engine):
    load(engine)
    with Session(engine) as session:
        for table in Base.metadata.sorted_tables:
            if "team_id" in table.c:
                assert set(session.scalars(select(table.c.team_id).distinct())) <= {TEAM}, table.name


def test_loading_again_replaces_without_duplicating(engine):
    load(engine)
    before, fingerprint = row_counts(engine), digest(engine)
    again = load(engine)
    assert again.replaced > 0
    assert row_counts(engine) == before
    assert digest(engine) == fingerprint


def test_replaces_the_demo_without_force_and_new_rows_get_fresh_ids(engine):
    load_demo_at(engine, WEDNESDAY)
    load(engine)
    with Session(engine) as session, session.begin():
        session.add(Customer(team_id=TEAM, key="acme-1", name="Real Customer"))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == SERVICES + 1


def test_refuses_a_database_with_other_data_unless_forced(engine):
    with Session(engine) as session, session.begin():
        session.add(Customer(team_id=TEAM, key="acme-1", name="Real Customer"))
    with pytest.raises(DemoRefused, match="--force"):
        load(engine)
    assert row_counts(engine)["services"] == 0, "a refused load writes nothing"
    load(engine, force=True)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Customer.name == "Real Customer")) == 0


def test_given_a_session_it_loads_in_the_callers_transaction(engine):
    with Session(engine) as session:
        loaded = load_synthetic(session, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=5)
        assert session.scalar(select(func.count()).select_from(Service)) == 5
        session.rollback()
    assert loaded.rows > 0
    assert row_counts(engine)["services"] == 0, "the caller decides whether the load commits"


def test_count_statements_skips_transaction_housekeeping(engine):
    with count_statements(engine) as counter, Session(engine) as session, session.begin():
        with session.begin_nested():
            session.execute(select(1))
        session.execute(select(2))
    assert counter.count == 2, counter


def test_portfolio_status_statement_count_does_not_grow_with_the_portfolio(engine):
    counts = []
    for services in (20, 300):
        load(engine, services=services)
        with count_statements(engine) as counter:
            answer = status(engine)
        assert answer.active_services > 0
        counts.append(counter)
    small, large = counts
    assert small.count == large.count, f"20 services:\n{small}\n\n300 services:\n{large}"


def test_only_the_first_services_needing_attention_are_built_and_all_are_counted(engine):
    """Answers build read models for the services a message can show, ranked as if all were built."""
    load(engine, services=300)
    ctx = QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC)
    with Session(engine) as session:
        health = portfolio_health(session, ctx)
        everyone = health.needing_attention(order=worst_first, limit=None).views
        by_health = health.by_health(limit=5)
        at_risk = [view for view in health.needing_attention(order=longest_in_state_first, limit=None).views
                   if view.health == Health.AT_RISK]
    answer = status(engine)
    assert answer.needing_attention_total == len(everyone) > MAX_SHOWN_SERVICES
    assert answer.needing_attention == everyone[:MAX_SHOWN_SERVICES]
    assert answer.needing_attention_total == answer.health_counts[Health.AT_RISK] + answer.health_counts[
        Health.NEEDS_ATTENTION]
    assert by_health[Health.AT_RISK].views == at_risk[:5]
    assert by_health[Health.AT_RISK].total == len(at_risk) == answer.health_counts[Health.AT_RISK]
    text = str(portfolio_status_message(answer, UTC).block_dicts())
    assert f"and {len(everyone) - MAX_ATTENTION_ROWS} more services need attention" in text


def test_the_services_that_may_come_first_keep_every_tie_at_the_cut():
    """Names are read only for the services that can be among the first few: all whose lead (the part of
    the order that needs no name) is at most the cut's, so a tie at the cut is decided by name, as before."""
    services = [Standing(id_, Health.AT_RISK, None) for id_ in (10, 11, 20, 21, 22, 30)]
    by_tens = ServiceOrder(lambda service: (service.id // 10,))
    assert [s.id for s in by_tens.may_be_first(services, 3)] == [10, 11, 20, 21, 22]
    assert [s.id for s in by_tens.may_be_first(services, 2)] == [10, 11]
    assert by_tens.may_be_first(services, None) == services and by_tens.may_be_first(services, 6) == services
    assert by_tens.key(services[0], "Acme", "SSO") == (1, "Acme", "SSO")


def test_a_load_that_commits_itself_leaves_postgres_tables_vacuumed(postgres_database_url):
    """Index-only scans read table pages until a vacuum marks them all-visible: the answers' statements
    took twice as long after a bulk load until autovacuum came round."""
    engine = make_engine(postgres_database_url)
    try:
        upgrade(engine)
        load_synthetic(engine, team_id=TEAM, now=WEDNESDAY, tz=UTC, services=SERVICES)
        with engine.connect() as connection:
            pages, all_visible = connection.execute(text(
                "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'tickets'::regclass")).one()
        assert pages > 0 and all_visible == pages
    finally:
        engine.dispose()
