"""What each synthetic service and person is meant to be, before any row is written: the plans.

Why apart from the rows (store/demo/synthetic.py): tests read the plans without a database, and the
money's draws stay independent of the rows'. Each service is planned with the health the rules should
compute and the rule that causes it; people get a role and, one in ten, rates of their own; each
service gets a budget kind, estimates or not, and an overrun aimed at only where its planned health is
already worse than a budget finding could make it. Fixed seeds: the same N gives the same plans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from store.demo import spec
from store.demo.build import decimal_or_none, demo_key
from store.enums import DeliverableStatus, Health, Phase, Role, ServiceStatus

PLAN_SEED = 20261118
MONEY_SEED = 20270115_000000  # budgets and estimates: a stream per service, apart from the rows' own
A, P, C = ServiceStatus.ACTIVE, ServiceStatus.PAUSED, ServiceStatus.COMPLETE
OK, NA, AR = Health.ON_TRACK, Health.NEEDS_ATTENTION, Health.AT_RISK
# Fifty services: 45 active (36 / 6 / 3 = 80% / 13% / 7%), 3 paused, 2 complete; shuffled per block.
PLAN_BLOCK = ([(A, OK, None)] * 36 + [(A, NA, "timeline"), (A, NA, "engagement"), (A, NA, "tickets")] * 2
              + [(A, AR, "blocked")] * 3 + [(P, OK, None)] * 3 + [(C, OK, None)] * 2)
PHASE_WEIGHTS = (2, 6, 4, 3)  # the demo's spread over discovery, build, training, optimization
# Money. One person in ten, every other lead (persons 1, 11, 21...), has senior rates of their own
# (cost, bill); everyone else is charged at their role's (spec.ROLE_RATES).
SENIOR_RATES = (("95", "195"), ("100", "200"), ("105", "210"))
# Budgets: hours and money (the hours at the owner's bill rate), money only, none.
BUDGET_KINDS = {"hours_and_money": 70, "money_only": 20, "none": 10}
ESTIMATED_SHARE = 0.8  # of services whose open deliverables carry estimates; the rest forecast at the burn
ESTIMATE_HOURS = ("2", "3", "4", "5", "6", "7", "8")
# Of the services planned Needs Attention or At Risk, the share forecast over budget, and by how much.
OVERRUN_SHARE, OVERRUN = 0.5, (0.17, 0.38)
# The others: spent/budget aimed at, and the most of the budget their forecast may take.
BURN, MOST_FORECAST = (0.40, 0.90), 0.90
IDLE_BUDGET_HOURS = (60, 240)  # paused and complete services log no hours: a budget from this range
FIRST = "Ava Ben Chloe Dev Eli Fay Gus Hana Ivan Jo Kai Lena Milo Nia Omar Pia Raj Sara Tom Uma Vic Wen".split()
LAST = "Adams Baker Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Novak Okafor Price".split()
BRANDS = ("Acorn Beacon Cobalt Dune Ember Fjord Granite Harbor Indigo Jade Kestrel Lantern Meridian Nimbus Onyx "
          "Pinnacle Quarry Rook Sable Tundra Umber Vertex Willow Xenon Zephyr").split()
TRADES = "Analytics Bank Components Energy Foods Health Insurance Logistics Media Partners Retail Telecom".split()


@dataclass(frozen=True)
class ServicePlan:
    """What a service is meant to be; `health` is what the rules compute while it is active."""

    number: int
    status: ServiceStatus
    health: Health
    cause: str | None  # the rule that makes it so: blocked, timeline, engagement or tickets
    phase: Phase

    @property
    def key(self) -> str:
        return synthetic_key("service", self.number)


def synthetic_key(kind: str, *parts: object) -> str:
    return demo_key("syn", kind, *(f"{p:06d}" if isinstance(p, int) else p for p in parts))


def customer_name(number: int) -> str:
    """Unique per number, as (team_id, name) must be: brand, trade, then a cycle suffix."""
    i, combos = number - 1, len(BRANDS) * len(TRADES)
    name = f"{BRANDS[i % len(BRANDS)]} {TRADES[i // len(BRANDS) % len(TRADES)]}"
    return f"{name} {i // combos + 1}" if i >= combos else name


def person_name(number: int) -> str:
    return f"{FIRST[number % len(FIRST)]} {LAST[number // len(FIRST) % len(LAST)]}"


def service_plans(count: int) -> Iterator[ServicePlan]:
    """The plan of services 1..count, from its own seed, so tests can read it without a database."""
    rng = Random(PLAN_SEED)
    for start in range(0, count, len(PLAN_BLOCK)):
        block = list(PLAN_BLOCK)
        rng.shuffle(block)
        for offset, (status, health, cause) in enumerate(block[: count - start]):
            yield ServicePlan(start + offset + 1, status, health, cause, rng.choices(list(Phase), PHASE_WEIGHTS)[0])


def role_of(index: int) -> Role:
    """Every 25th person (from the 2nd) is ops and owns no service; every 5th is a lead."""
    return Role.OPS if index % 25 == 2 else Role.LEAD if index % 5 == 1 else Role.MEMBER


def own_rates_of(index: int) -> tuple[Decimal | None, Decimal | None]:
    """Senior (cost, bill) rates of person `index`'s own for every other lead, one person in ten."""
    if index % 10 != 1:
        return None, None
    cost, bill = SENIOR_RATES[index // 10 % len(SENIOR_RATES)]
    return Decimal(cost), Decimal(bill)


def bill_rate_of(index: int) -> Decimal | None:
    """What an hour of person `index` is billed at: their own rate, else their role's."""
    own = own_rates_of(index)[1]
    return own if own is not None else decimal_or_none(spec.ROLE_RATES[role_of(index).value][1])


@dataclass(frozen=True)
class MoneyPlan:
    """A service's budget and estimates, drawn from its own seed so that `gen.rng` draws what it did."""

    kind: str  # a key of BUDGET_KINDS
    over_by: float | None  # the forecast overrun aimed at; None: within budget
    burn: float  # spent / budget aimed at when within
    idle_hours: int  # the budget while paused or complete
    estimates: Random | None  # draws the open deliverables' estimates; None: they have none

    def estimate(self, status: DeliverableStatus) -> Decimal | None:
        """Hours still to go on a deliverable of this status; None when done or not estimated."""
        if self.estimates is None or status.is_done:
            return None
        return Decimal(self.estimates.choice(ESTIMATE_HOURS))


def money_plan(plan: ServicePlan) -> MoneyPlan:
    """The same run of draws for every service whatever its plan (the estimates' follow), so each service's
    money depends on its number alone; an overrun only where the planned health is already worse."""
    rng = Random(MONEY_SEED + plan.number)
    kind = rng.choices(list(BUDGET_KINDS), list(BUDGET_KINDS.values()))[0]
    estimated, overruns, over_by = rng.random() < ESTIMATED_SHARE, rng.random() < OVERRUN_SHARE, rng.uniform(*OVERRUN)
    burn, idle_hours = rng.uniform(*BURN), rng.randint(*IDLE_BUDGET_HOURS)
    worse = plan.status == ServiceStatus.ACTIVE and plan.health != Health.ON_TRACK
    return MoneyPlan(kind, over_by if worse and overruns else None, burn, idle_hours, rng if estimated else None)
