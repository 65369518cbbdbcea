"""`/delivery patterns [N weeks]`: what the work teaches, over the last N whole weeks against the N before.
Blocker categories by blocked days and by episodes, recurring and near-duplicate tickets, the deliverables'
reopen rate (tickets keep no reopening), cycle times by phase and by deliverable type, on-time rate by
phase, and the owners and services that deliver on time with least blocking. The facts are read by
store/queries/pattern_facts.py (a fixed few statements), the rules are store/rules/patterns.py.

Counting takes most of a second at 10,000 services, so the report of the default length is kept
(`store.queries.kept_reports`, one row per team and length). It covers whole weeks already past, which clicks never
change (a click's status change, completion or reopening is dated now, in this week): only bulk writes
(an import, the demo) rewrite the past, and they drop the kept rows (`store.bulk`). A kept row is read
while its period is the current one and it is under `KEPT_FOR` old; the scheduler counts it again before
that (`keep_patterns`), and a reader finding none counts for itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.enums import BlockerCategory, Phase
from store.models import Person
from store.queries.kept_reports import keep_report, read_report
from store.queries.pattern_facts import (
    CycleSums,
    Done,
    added_up,
    cycle_sums,
    done_among,
    done_counts,
    episodes,
    reopened,
    title_clusters,
    type_clusters,
)
from store.queries.refs import refs_of
from store.readmodels import PersonRef
from store.readmodels.patterns import (
    CategoryFigures,
    CycleGroup,
    CycleTimes,
    PatternsReport,
    Period,
    PhaseOnTime,
    Practice,
    Rate,
    Reopens,
    TitleCluster,
    TypeCluster,
)
from store.rules.patterns import (
    MIN_SAMPLE,
    MIN_TYPE_SAMPLE,
    Episode,
    Ranked,
    Span,
    blocked_days_by,
    category_tallies,
    name_type,
    pattern_spans,
    type_label,
    what_works,
)

if TYPE_CHECKING:
    from store.context import QueryContext

MAX_CLUSTERS = 5  # of each kind shown (all of them counted)
# The length `/delivery patterns` and the patterns digest use when none is asked: the one kept.
DEFAULT_WEEKS = 4
# A kept report is read for at most this long after it was counted (names and services shown in it may
# have changed since); the scheduler counts it again before then.
KEPT_FOR = timedelta(hours=1)
RECOUNT_AFTER = KEPT_FOR / 2  # as `keep_report` counts again
REPORT = "patterns"  # its name among the kept reports
MAX_TYPES = 5
TICKETS_NOT_MEASURED = ("Ticket reopen rate: not measured. A resolved ticket cannot be reopened in the bot, and "
                        "its history records no reopening, so there is nothing to count.")


def _period(span: Span) -> Period:
    return Period(weeks=span.weeks, first_day=span.first_day, last_day=span.last_day)


def _categories(found: list[Episode], now_span: Span, before: Span, ctx: QueryContext) -> list[CategoryFigures]:
    now, then = category_tallies(found, now_span, ctx.now), category_tallies(found, before, ctx.now)
    figures = [CategoryFigures(category=category, days=now[category].days, episodes=now[category].episodes,
                               days_before=then[category].days, episodes_before=then[category].episodes)
               for category in BlockerCategory]
    order = list(BlockerCategory)
    return sorted(figures, key=lambda f: (-f.days, -f.episodes, order.index(f.category)))


def _mean(groups: Iterable[CycleSums]) -> float | None:
    found = list(groups)
    count = sum(g.completed for g in found)
    return sum(g.days for g in found) / count if count else None


def _cycle(now: dict[tuple[Phase, str], CycleSums], before: dict[tuple[Phase, str], CycleSums],
           completed: int) -> CycleTimes:
    by_type: dict[str, list[CycleSums]] = defaultdict(list)
    for (_phase, lowered), sums in sorted(now.items()):
        by_type[name_type(lowered)].append(sums)
    listed = {key: sums for key, sums in by_type.items() if sum(g.completed for g in sums) >= MIN_TYPE_SAMPLE}
    largest = sorted(listed, key=lambda key: (-sum(g.completed for g in listed[key]), key))
    phases = [(phase, [g for (p, _name), g in now.items() if p == phase]) for phase in Phase]
    return CycleTimes(
        completed=completed, measured=sum(g.completed for g in now.values()), mean_days=_mean(now.values()),
        mean_days_before=_mean(before.values()),
        by_phase=[CycleGroup(label=phase.label, completed=sum(g.completed for g in groups),
                             mean_days=_mean(groups) or 0.0) for phase, groups in phases if groups],
        by_type=[CycleGroup(label=type_label(min(g.label for g in listed[key])),
                            completed=sum(g.completed for g in listed[key]), mean_days=_mean(listed[key]) or 0.0)
                 for key in largest[:MAX_TYPES]],
        types_total=len(listed))


def _rate(done: Done | None) -> Rate:
    return Rate(hits=done.on_time, total=done.dated) if done else Rate(hits=0, total=0)


def _by_phase(now: dict, before: dict) -> list[PhaseOnTime]:
    rows = [PhaseOnTime(phase=phase, now=_rate(now.get(phase)), before=_rate(before.get(phase))) for phase in Phase]
    return [row for row in rows if row.now.total or row.before.total]


def _ranked(done: dict, found: list[Episode], span: Span, ctx: QueryContext,
            episode_key: Callable[[Episode], int | None]) -> list[Ranked]:
    blocked = blocked_days_by(found, span, ctx.now, episode_key)
    return [Ranked(key, counts.on_time, counts.dated, blocked.get(key, 0.0))
            for key, counts in done.items() if key is not None and counts.dated]


def _people(session: Session, ctx: QueryContext, ids: list[int]) -> dict[int, PersonRef]:
    if not ids:
        return {}
    return {row.id: PersonRef(name=row.name, slack_user_id=row.slack_user_id) for row in session.execute(
        select(Person.id, Person.name, Person.slack_user_id).where(Person.team_id == ctx.team_id,
                                                                    Person.id.in_(ids)))}


def patterns_report(session: Session, ctx: QueryContext, *, weeks: int = DEFAULT_WEEKS) -> PatternsReport:
    """The report of the last `weeks` whole weeks: kept when it is the default length and was counted for
    this period less than `KEPT_FOR` ago, else counted now."""
    kept = read_report(session, ctx, REPORT, weeks, first_day=_first_day(ctx, weeks), model=PatternsReport,
                       kept_for=KEPT_FOR)
    return kept if kept is not None else count_patterns(session, ctx, weeks=weeks)


def _first_day(ctx: QueryContext, weeks: int) -> date:
    return pattern_spans(ctx.week.first_day, weeks, ctx.tz)[0].first_day


def keep_patterns(sessions: sessionmaker[Session], ctx: QueryContext, *, weeks: int = DEFAULT_WEEKS) -> bool:
    """Count the default report again when the kept one is missing, of an earlier period, or half its
    `KEPT_FOR` old (the scheduler's housekeeping, and after bulk writes); whether it counted."""
    return keep_report(sessions, ctx, REPORT, weeks, first_day=_first_day(ctx, weeks), model=PatternsReport,
                       kept_for=KEPT_FOR, count=lambda session: count_patterns(session, ctx, weeks=weeks))


def count_patterns(session: Session, ctx: QueryContext, *, weeks: int = DEFAULT_WEEKS) -> PatternsReport:
    """Count the report from the portfolio (most of a second at 10,000 services)."""
    span, before = pattern_spans(ctx.week.first_day, weeks, ctx.tz)
    found = episodes(session, ctx, before.start, span.end)
    done_now = done_counts(session, ctx, span)
    phases_now = added_up(done_now, lambda row: row.phase)
    phases_before = added_up(done_counts(session, ctx, before, by_who=False), lambda row: row.phase)
    repeats = type_clusters(session, ctx, span)
    titles = title_clusters(session, ctx, span)
    reopened_now, reopened_before = reopened(session, ctx, span), reopened(session, ctx, before)

    owners = _ranked(added_up(done_now, lambda row: row.owner_id), found, span, ctx, lambda e: e.owner_id)
    services = _ranked(added_up(done_now, lambda row: row.service_id), found, span, ctx, lambda e: e.service_id)
    best_owners, best_services = what_works(owners), what_works(services)
    people = _people(session, ctx, [r.key for r in best_owners])
    refs = refs_of(session, ctx, [r.key for r in best_services])
    completed_now = sum(d.total for d in phases_now.values())
    completed_before = sum(d.total for d in phases_before.values())

    def reopen_rate(hits: set[int], within: Span, completed: int) -> Rate:
        # Reopened and done again within the span count once: they are among its completions already.
        return Rate(hits=len(hits), total=completed + len(hits - done_among(session, ctx, within, hits)))

    return PatternsReport(
        as_of=ctx.now, period=_period(span), before=_period(before),
        categories=_categories(found, span, before, ctx),
        type_clusters=[TypeCluster(customer_name=c.customer_name, type=c.type, tickets=c.tickets)
                       for c in repeats.shown],
        type_clusters_total=repeats.total,
        title_clusters=[TitleCluster(customer_name=customer, title=title, tickets=tickets, variants=variants)
                        for customer, title, tickets, variants in titles.clusters[:MAX_CLUSTERS]],
        title_clusters_total=len(titles.clusters), title_customers=titles.customers_searched,
        customers_with_tickets=titles.customers_with_tickets,
        reopens=Reopens(deliverables=reopen_rate(reopened_now, span, completed_now),
                        deliverables_before=reopen_rate(reopened_before, before, completed_before),
                        tickets_note=TICKETS_NOT_MEASURED),
        cycle=_cycle(cycle_sums(session, ctx, span), cycle_sums(session, ctx, before), completed_now),
        on_time=_by_phase(phases_now, phases_before),
        owners=[Practice(person=people.get(r.key), on_time=Rate(hits=r.on_time, total=r.total),
                         blocked_days=r.blocked_days) for r in best_owners if r.key in people],
        services=[Practice(service=refs[r.key], on_time=Rate(hits=r.on_time, total=r.total),
                           blocked_days=r.blocked_days) for r in best_services if r.key in refs],
        min_sample=MIN_SAMPLE,
        ranked_owners=sum(r.total >= MIN_SAMPLE for r in owners),
        ranked_services=sum(r.total >= MIN_SAMPLE for r in services),
    )
