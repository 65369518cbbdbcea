"""`/delivery tickets`: the figures against the rows, on both databases, and the reply's limits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from support import TEAM, UTC, WEDNESDAY, load_demo_at

from handlers.commands.answers import CommandRequest
from handlers.commands.answers import view_answer as tickets_answer
from handlers.commands.parse import DeliveryCommand, Subcommand, TicketBreakdown
from messages.blocks.common import MAX_FIELD_TEXT, MAX_SECTION_TEXT
from messages.blocks.tickets import age_text, signed, tickets_message
from store.clock import FixedClock, current_week
from store.context import QueryContext
from store.db import make_sessionmaker
from store.models import Customer, Person, Ticket
from store.queries.tickets import MAX_SHOWN_GROUPS, ticket_report
from store.readmodels import PersonRef
from store.readmodels.tickets import OverdueTicket, SlaCompliance, TicketGroup, TicketGrouping, TicketReport, WeekFlow
from store.workspace import Workspace

HOUR = timedelta(hours=1)
OTHER_TEAM = "T0OTHER"


def report(engine, breakdown: str = "customer", *, now: datetime = WEDNESDAY, team: str = TEAM) -> TicketReport:
    with Session(engine) as session:
        return ticket_report(session, QueryContext(team_id=team, now=now, tz=UTC), breakdown=breakdown)


def add_ticket(session: Session, key: str, *, customer: str = "Delta Corp", owner: str | None = "Bill Nguyen",
               opened: datetime, due: datetime, resolved: datetime | None = None, team: str = TEAM,
               title: str = "Added ticket", type_: str = "issue") -> None:
    customer_id = session.scalar(select(Customer.id).where(Customer.team_id == team, Customer.name == customer))
    owner_id = session.scalar(select(Person.id).where(Person.team_id == team, Person.name == owner))
    session.add(Ticket(team_id=team, key=key, customer_id=customer_id, owner_id=owner_id, title=title, type=type_,
                       priority="high", opened_at=opened, due_at=due, resolved_at=resolved))


def team_tickets(engine, team: str = TEAM) -> list[Ticket]:
    with Session(engine) as session:
        tickets = session.scalars(select(Ticket).where(Ticket.team_id == team)).all()
        for ticket in tickets:
            _ = ticket.customer.name, ticket.owner and ticket.owner.name
        return list(tickets)


def expected_sla(engine, now: datetime = WEDNESDAY) -> tuple[int, int]:
    """SLA straight from the rows: (resolved in time, resolved + open breaches) this week."""
    start = current_week(now, UTC).start
    tickets = team_tickets(engine)
    resolved = [t for t in tickets if t.resolved_at and start <= t.resolved_at < now]
    breaches = [t for t in tickets if t.resolved_at is None and start <= t.due_at < now]
    return sum(t.resolved_at <= t.due_at for t in resolved), len(resolved) + len(breaches)


def expected_groups(engine, grouping: str, now: datetime = WEDNESDAY) -> list[tuple[str, int, int, int]]:
    start = current_week(now, UTC).start
    label = {
        "customer": lambda t: t.customer.name,
        "type": lambda t: t.type,
        "owner": lambda t: t.owner.name if t.owner else "Unassigned",
    }[grouping]
    counts: dict[str, list[int]] = {}
    for t in team_tickets(engine):
        row = counts.setdefault(label(t), [0, 0, 0])
        row[0] += t.resolved_at is None
        row[1] += start <= t.opened_at < now
        row[2] += t.resolved_at is not None and start <= t.resolved_at < now
    rows = [(name, *row) for name, row in counts.items() if any(row)]
    return sorted(rows, key=lambda r: (-r[1], r[0].casefold(), r[0]))


def test_demo_figures_this_week_last_week_and_change(demo_engine):
    answer = report(demo_engine)
    assert (answer.this_week.opened, answer.this_week.resolved) == (12, 15)
    assert answer.this_week.avg_resolution_hours == pytest.approx(6.0)
    assert (answer.last_week.opened, answer.last_week.resolved) == (14, 13)
    assert answer.last_week.avg_resolution_hours == pytest.approx(8.0)
    assert (answer.change.opened, answer.change.resolved) == (-2, 2)
    assert answer.change.avg_resolution_hours == pytest.approx(-2.0)
    assert answer.overdue == [] and answer.overdue_total == 0


def test_demo_sla_matches_the_rows(demo_engine):
    sla = report(demo_engine).sla
    assert (sla.met, sla.denominator) == expected_sla(demo_engine)
    assert sla.share == 1.0 and sla.target == 0.95 and sla.meets_target


def test_overdue_tickets_by_age_with_owner_and_open_breaches_count_against_sla(demo_engine):
    now = WEDNESDAY
    with Session(demo_engine) as session, session.begin():
        add_ticket(session, "x-5h", opened=now - 30 * HOUR, due=now - 5 * HOUR, customer="Gamma LLC")
        add_ticket(session, "x-3d", opened=now - 5 * 24 * HOUR, due=now - 72 * HOUR, owner="Ryan Ortiz")
        add_ticket(session, "x-1d", opened=now - 48 * HOUR, due=now - 24 * HOUR, owner=None)
        add_ticket(session, "x-late", opened=now - 50 * HOUR, due=now - 46 * HOUR, resolved=now - 40 * HOUR)
    answer = report(demo_engine)
    assert [t.key for t in answer.overdue] == ["x-3d", "x-1d", "x-5h"]
    assert [t.owner_name for t in answer.overdue] == ["Ryan Ortiz", "unassigned", "Bill Nguyen"]
    assert answer.overdue[0].age == 72 * HOUR and answer.overdue[2].customer_name == "Gamma LLC"
    assert answer.overdue_total == 3
    # Due last week (x-3d) is overdue but not this week's breach; x-late is resolved late this week.
    assert (answer.sla.met, answer.sla.resolved, answer.sla.open_breaches) == (15, 16, 2)
    assert (answer.sla.met, answer.sla.denominator) == expected_sla(demo_engine)
    assert not answer.sla.meets_target
    text = str(tickets_message(answer, UTC).block_dicts())
    assert "3 d overdue" in text and "_unassigned_" in text and "Overdue tickets (3)" in text


@pytest.mark.parametrize("grouping", [g.value for g in TicketGrouping])
def test_breakdown_matches_the_rows(demo_engine, grouping):
    with Session(demo_engine) as session, session.begin():
        add_ticket(session, "x-unassigned", opened=WEDNESDAY - HOUR, due=WEDNESDAY + HOUR, owner=None)
    answer = report(demo_engine, grouping)
    got = [(g.name, g.open_now, g.opened, g.resolved) for g in answer.groups]
    assert got == expected_groups(demo_engine, grouping) and answer.group_total == len(got)
    assert sum(g.opened for g in answer.groups) == 13 and sum(g.resolved for g in answer.groups) == 15
    assert sum(g.open_now for g in answer.groups) == 5
    if grouping == "owner":
        assert ("Unassigned", 1, 1, 0) in got and got[0][0] == "Ryan Ortiz"


def test_breakdown_keeps_the_first_groups_and_counts_them_all(demo_engine):
    """More groups than a message can list: the report holds the first ones, ranked as the whole list
    would be (open now descending, then name whatever its case), and counts every group."""
    extra = MAX_SHOWN_GROUPS + 17
    with Session(demo_engine) as session, session.begin():
        for n in range(extra):
            name = f"{'abc'[n % 3]}{'Ab'[n % 2]} Customer {n:03}"  # mixed case, so the ranking's casefold matters
            session.add(Customer(team_id=TEAM, key=f"many-{n}", name=name))
            session.flush()
            for k in range(n % 4 + 1):
                add_ticket(session, f"many-{n}-{k}", customer=name, opened=WEDNESDAY - (k + 1) * HOUR,
                           due=WEDNESDAY + HOUR, resolved=WEDNESDAY - HOUR / 2 if k == 3 else None)
    expected = expected_groups(demo_engine, "customer")
    assert len(expected) > MAX_SHOWN_GROUPS
    answer = report(demo_engine)
    got = [(g.name, g.open_now, g.opened, g.resolved) for g in answer.groups]
    assert got == expected[:MAX_SHOWN_GROUPS] and answer.group_total == len(expected)
    with Session(demo_engine) as session:
        few = ticket_report(session, QueryContext(team_id=TEAM, now=WEDNESDAY, tz=UTC), breakdown="customer",
                            group_limit=3)
    assert few.groups == answer.groups[:3] and few.group_total == len(expected)
    # The reply lists what fits and says how many more there are, counting the groups it never got.
    texts = [b["text"]["text"] for b in tickets_message(answer, UTC).block_dicts()
             if b["type"] == "section" and "text" in b]
    breakdown = texts[next(i for i, text in enumerate(texts) if text.startswith("*By customer*")):]
    shown = sum(line.startswith("• ") for text in breakdown for line in text.split("\n"))
    assert 0 < shown <= MAX_SHOWN_GROUPS and breakdown[-1].endswith(f"and {len(expected) - shown} more")


def test_other_teams_tickets_are_never_counted(demo_engine):
    before = {grouping: report(demo_engine, grouping) for grouping in ("customer", "owner")}
    with Session(demo_engine) as session, session.begin():
        session.add(Customer(team_id=OTHER_TEAM, key="other", name="Delta Corp"))
    with Session(demo_engine) as session, session.begin():
        for n in range(3):
            add_ticket(session, f"other-{n}", team=OTHER_TEAM, owner=None, opened=WEDNESDAY - 30 * HOUR,
                       due=WEDNESDAY - 2 * HOUR, resolved=WEDNESDAY - HOUR if n == 0 else None)
    assert {grouping: report(demo_engine, grouping) for grouping in before} == before
    other = report(demo_engine, team=OTHER_TEAM)
    assert (other.this_week.opened, other.this_week.resolved, other.overdue_total) == (3, 1, 2)
    assert [(g.name, g.open_now) for g in other.groups] == [("Delta Corp", 2)]


def test_statement_count_does_not_grow_with_tickets(demo_engine):
    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(demo_engine, "before_cursor_execute", listener)
        try:
            report(demo_engine, "owner")
        finally:
            event.remove(demo_engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    with Session(demo_engine) as session, session.begin():
        for n in range(200):
            add_ticket(session, f"bulk-{n}", opened=WEDNESDAY - (n + 2) * HOUR, due=WEDNESDAY - HOUR,
                       owner=None if n % 2 else "Ryan Ortiz")
    assert statements() == few == 5
    assert report(demo_engine).overdue_total == 200 and len(report(demo_engine).overdue) == 25


def test_early_monday_demo_still_gives_the_week(engine):
    monday = datetime(2026, 11, 16, 0, 20, tzinfo=timezone.utc)
    load_demo_at(engine, monday)
    answer = report(engine, now=monday)
    assert (answer.this_week.opened, answer.this_week.resolved) == (12, 15)
    assert answer.this_week.avg_resolution_hours == pytest.approx(6.0)
    assert answer.overdue_total == 0


def test_empty_workspace_has_no_average_and_no_sla(engine):
    answer = report(engine, "type")
    assert answer.this_week == WeekFlow(opened=0, resolved=0, avg_resolution_hours=None)
    assert answer.change.avg_resolution_hours is None and answer.sla.share is None and answer.groups == []
    text = str(tickets_message(answer, UTC).block_dicts())
    assert "none resolved" in text and "nothing resolved or due yet" in text and "None overdue" in text


def test_unknown_breakdown_is_refused(demo_engine):
    with pytest.raises(ValueError):
        report(demo_engine, "priority")


def test_store_groupings_match_the_command_breakdowns():
    assert {g.value for g in TicketGrouping} == {b.value for b in TicketBreakdown}


def test_demo_reply_reads_like_the_issue(demo_engine):
    reply = tickets_message(report(demo_engine), UTC)
    fields = [f["text"] for b in reply.block_dicts() for f in b.get("fields", [])]
    assert fields[:3] == ["*Opened*\n12 (\u22122 vs last week)", "*Resolved*\n15 (+2)",
                          "*Avg resolution*\n6.0 h (\u22122.0 h)"]
    assert fields[3].startswith("*SLA compliance*\n100% (target 95%)")
    assert "None overdue" in str(reply.block_dicts())
    assert reply.text.startswith("Tickets this week: 12 opened (\u22122), 15 resolved (+2), average resolution 6.0 h.")
    assert reply.block_dicts()[-1]["type"] == "context"


def test_answer_runs_through_the_workspace(demo_engine):
    workspace = Workspace(sessions=make_sessionmaker(demo_engine), team_id=TEAM, clock=FixedClock(WEDNESDAY), tz=UTC)
    command = DeliveryCommand(subcommand=Subcommand.TICKETS, breakdown=TicketBreakdown.OWNER)
    reply = tickets_answer(CommandRequest(workspace=workspace, command=command, user_id="U0DANA"))
    text = str(reply.block_dicts())
    assert "*By owner*" in text and "*Ryan Ortiz* — 4 open · 8 opened · 8 resolved" in text


def big_report(title: str = "Ticket", customer: str = "Customer", overdue: int = 500, groups: int = 300):
    now = WEDNESDAY
    tickets = [
        OverdueTicket(key=f"t{n}", title=f"{title} {n}" * 20, customer_name=f"{customer} {n}", type="issue",
                      priority="high", owner=PersonRef(name="Ryan") if n % 2 else None, opened_at=now - 90 * HOUR,
                      due_at=now - (80 - n % 50) * HOUR, age=(80 - n % 50) * HOUR, ticket_id=n + 1)
        for n in range(overdue)
    ]
    return TicketReport(
        as_of=now, week_first_day=current_week(now, UTC).first_day,
        this_week=WeekFlow(opened=12, resolved=15, avg_resolution_hours=6.0),
        last_week=WeekFlow(opened=12, resolved=13, avg_resolution_hours=None),
        overdue=tickets, overdue_total=overdue + 7,
        sla=SlaCompliance(met=10, resolved=15, open_breaches=5, target=0.95),
        breakdown=TicketGrouping.CUSTOMER,
        groups=[TicketGroup(name=f"{customer} {n} " + "x" * 150, open_now=3, opened=2, resolved=1)
                for n in range(min(groups, MAX_SHOWN_GROUPS))],
        group_total=groups,
    )


def test_long_lists_are_cut_within_block_kit_limits():
    reply = tickets_message(big_report(), UTC)
    blocks = reply.block_dicts()
    assert len(blocks) <= 49
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        assert all(len(f["text"]) <= MAX_FIELD_TEXT for f in block.get("fields", []))
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    # Overdue tickets: a title, one row each with its menu, then "and N more".
    overdue_shown = sum(1 for b in blocks if (b.get("accessory") or {}).get("type") == "overflow")
    assert texts[0].startswith("*Overdue tickets (507)*") and overdue_shown > 0
    assert texts[overdue_shown + 1] == f"and {507 - overdue_shown} more"
    groups_shown = sum(t.count("• ") for t in texts[overdue_shown + 2:])
    assert texts[-1].endswith(f"and {300 - groups_shown} more") and groups_shown > 0
    assert "*Avg resolution*\n6.0 h" in [f["text"] for f in blocks[1]["fields"]], "no change without last week's"


def test_user_text_is_escaped():
    reply = tickets_message(big_report(title="<!channel> & co", customer="<@U0BILL>", overdue=2, groups=2), UTC)
    text = str(reply.block_dicts()) + reply.text
    assert "<!channel>" not in text and "<@U0BILL>" not in text
    assert "&lt;!channel&gt; &amp; co" in text and "&lt;@U0BILL&gt;" in text


@pytest.mark.parametrize("value, decimals, shown", [
    (-2, 0, "\u22122"), (2, 0, "+2"), (0, 0, "±0"), (-1.9999999, 1, "\u22122.0"), (0.04, 1, "±0.0"),
])
def test_signed(value, decimals, shown):
    assert signed(value, decimals) == shown


@pytest.mark.parametrize("age, shown", [
    (timedelta(seconds=20), "1 min"), (timedelta(minutes=59), "59 min"), (5 * HOUR, "5 h"),
    (72 * HOUR, "3 d"), (76 * HOUR + timedelta(minutes=5), "3 d 4 h"),
])
def test_age_text(age, shown):
    assert age_text(age) == shown
