"""Each command runs a fixed number of SQL statements, whatever the size of the portfolio."""

from __future__ import annotations

import pytest
from query_count import count_statements
from support import UTC, WEDNESDAY

from handlers.commands.delivery import reply_for
from handlers.events.app_home import home_blocks
from store.clock import FixedClock
from store.db import make_sessionmaker
from store.demo.synthetic import load_synthetic
from store.workspace import Workspace

COMMANDS = ["status", "status Cobalt Analytics", "status cobalt analitics", "status zzzqqq", "capacity", "at-risk",
            "tickets", "tickets by owner", "tickets by type", "milestones", "milestones next week",
            "milestones overdue", "mine", "help"]
USER = "U00000001"
SIZES = {20: "T0SMALL", 300: "T0LARGE"}


@pytest.fixture
def portfolios(engine):
    """The same generator at two sizes, as two workspaces of one database."""
    made = {}
    for size, team in SIZES.items():
        load_synthetic(engine, team_id=team, now=WEDNESDAY, tz=UTC, services=size)
        made[size] = Workspace(sessions=make_sessionmaker(engine), team_id=team, clock=FixedClock(WEDNESDAY), tz=UTC)
    return made


def statements(workspace, run) -> int:
    with count_statements(workspace.sessions.kw["bind"]) as counter:
        run()
    return counter.count


@pytest.mark.parametrize("text", COMMANDS)
def test_statement_count_does_not_grow_with_the_portfolio(portfolios, text):
    counts = {size: statements(ws, lambda ws=ws: reply_for(ws, text, USER)) for size, ws in portfolios.items()}
    assert counts[20] == counts[300], counts
    # A card with a budget, the most: where its budget stands (its budget, spend and open work in one
    # statement, the weekly burn in another) read once for its health's budget finding and once more,
    # with who is looking, for its budget line, besides the card; `mine` reads its services' health so.
    assert counts[20] <= 28, counts


def test_home_tab_statement_count_does_not_grow(portfolios):
    counts = {size: statements(ws, lambda ws=ws: home_blocks(ws, USER)) for size, ws in portfolios.items()}
    assert counts[20] == counts[300], counts
