"""mark services for kept health when what their budget forecast reads changes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:30:00

A forecast past a service's budget by more than the threshold is a health finding (issue 19), so
kept health (migration 0010) must hear of every change to what the forecast reads: the service's
budgets; its deliverables' status, estimates and due days; its time entries (hours, billable flag,
day, person); and for a budget in money alone, the rates its people's hours are priced at (a
person's own, their role, their role's rates). Each marks the services concerned in
`health_changes`, in the writing transaction, and only services with a budget: rows of services
without one never count for the finding, so they mark nothing, and bulk loads of them stay as fast.

On PostgreSQL, inserts and deletes of deliverables and time entries mark once per statement (from
its transition table), updates once per row, as in migration 0010.
"""

from dataclasses import dataclass

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

UPSERT = ("INSERT INTO health_changes (team_id, service_id, mark) {rows} "
          "ON CONFLICT (team_id, service_id) DO UPDATE SET mark = health_changes.mark + 1;")
BUDGETED = "(s.budget_hours > 0 OR s.budget_amount > 0)"
MONEY_ONLY = "(s.budget_hours IS NULL OR s.budget_hours <= 0) AND s.budget_amount > 0"


@dataclass(frozen=True)
class Watched:
    """A table whose rows belong to a service (`service_id`): a row of a budgeted service marks it."""

    table: str
    columns: str  # the updated columns that move the forecast


WATCHED = (
    Watched("deliverables", "status, estimate_hours, due_on, service_id, team_id"),
    Watched("time_entries", "hours, billable, worked_on, person_id, service_id, team_id"),
)


def _names(table: str) -> tuple[str, str, str]:
    return tuple(f"{table}_budget_{event}" for event in ("inserted", "deleted", "updated"))


def _budgeted_of(row: str, source: str) -> str:
    """SELECT of the (team, service) pairs of `row`s on a budgeted service."""
    return (f"SELECT s.team_id AS team_id, s.id AS service_id FROM {source} JOIN services s "
            f"ON s.id = {row}.service_id WHERE {BUDGETED}")


def _mark(pairs: str) -> str:
    return UPSERT.format(rows=f"SELECT DISTINCT team_id, service_id, 1 FROM ({pairs}) AS pairs WHERE TRUE")


# Services priced at a person's rates (money only): those the person logged hours on.
PRICED_BY_PERSON = (f"SELECT s.team_id AS team_id, s.id AS service_id FROM service_hours h JOIN services s "
                    f"ON s.id = h.service_id WHERE h.person_id = {{row}}.id AND {MONEY_ONLY}")
# Services priced at a role's rates: every money-only service of the team.
PRICED_BY_ROLE = (f"SELECT s.team_id AS team_id, s.id AS service_id FROM services s "
                  f"WHERE s.team_id = {{row}}.team_id AND {MONEY_ONLY}")
SERVICE_BUDGET = "budget_hours, budget_amount"
PERSON_RATES = "cost_rate, bill_rate, role"
ROLE_RATES = "cost_rate, bill_rate, role, team_id"


def _sqlite() -> None:
    for watched in WATCHED:
        inserted, deleted, updated = _names(watched.table)
        one = "(SELECT 1) AS one"
        op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON {watched.table} "
                   f"BEGIN {_mark(_budgeted_of('NEW', one))} END")
        op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON {watched.table} "
                   f"BEGIN {_mark(_budgeted_of('OLD', one))} END")
        op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {watched.columns} ON {watched.table} "
                   f"BEGIN {_mark(_budgeted_of('OLD', one))} {_mark(_budgeted_of('NEW', one))} END")
    op.execute(f"CREATE TRIGGER services_budget_updated AFTER UPDATE OF {SERVICE_BUDGET} ON services "
               f"BEGIN {_mark('SELECT NEW.team_id AS team_id, NEW.id AS service_id')} END")
    op.execute(f"CREATE TRIGGER people_rates_updated AFTER UPDATE OF {PERSON_RATES} ON people "
               f"BEGIN {_mark(PRICED_BY_PERSON.format(row='NEW'))} END")
    for event, verb, row in (("inserted", "INSERT", "NEW"), ("deleted", "DELETE", "OLD")):
        op.execute(f"CREATE TRIGGER role_rates_{event} AFTER {verb} ON role_rates "
                   f"BEGIN {_mark(PRICED_BY_ROLE.format(row=row))} END")
    op.execute(f"CREATE TRIGGER role_rates_updated AFTER UPDATE OF {ROLE_RATES} ON role_rates "
               f"BEGIN {_mark(PRICED_BY_ROLE.format(row='OLD'))} {_mark(PRICED_BY_ROLE.format(row='NEW'))} END")


def _postgres_function(name: str, body: str) -> None:
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN {body} RETURN NULL; END $$")


def _postgres() -> None:
    for watched in WATCHED:
        inserted, deleted, updated = _names(watched.table)
        _postgres_function(f"{watched.table}_budget_rows", _mark(_budgeted_of("changed", "changed")))
        op.execute(f"CREATE TRIGGER {inserted} AFTER INSERT ON {watched.table} REFERENCING NEW TABLE AS changed "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {watched.table}_budget_rows()")
        op.execute(f"CREATE TRIGGER {deleted} AFTER DELETE ON {watched.table} REFERENCING OLD TABLE AS changed "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {watched.table}_budget_rows()")
        one = "(SELECT 1) AS one"
        _postgres_function(f"{watched.table}_budget_row",
                           _mark(f"{_budgeted_of('OLD', one)} UNION {_budgeted_of('NEW', one)}"))
        op.execute(f"CREATE TRIGGER {updated} AFTER UPDATE OF {watched.columns} ON {watched.table} FOR EACH ROW "
                   f"EXECUTE FUNCTION {watched.table}_budget_row()")
    _postgres_function("services_budget_row", _mark("SELECT NEW.team_id AS team_id, NEW.id AS service_id"))
    op.execute(f"CREATE TRIGGER services_budget_updated AFTER UPDATE OF {SERVICE_BUDGET} ON services FOR EACH ROW "
               f"EXECUTE FUNCTION services_budget_row()")
    _postgres_function("people_rates_row", _mark(PRICED_BY_PERSON.format(row="NEW")))
    op.execute(f"CREATE TRIGGER people_rates_updated AFTER UPDATE OF {PERSON_RATES} ON people FOR EACH ROW "
               f"EXECUTE FUNCTION people_rates_row()")
    _postgres_function("role_rates_row", f"IF TG_OP <> 'INSERT' THEN {_mark(PRICED_BY_ROLE.format(row='OLD'))} END IF; "
                       f"IF TG_OP <> 'DELETE' THEN {_mark(PRICED_BY_ROLE.format(row='NEW'))} END IF;")
    for event, verb in (("inserted", "INSERT"), ("deleted", "DELETE")):
        op.execute(f"CREATE TRIGGER role_rates_{event} AFTER {verb} ON role_rates FOR EACH ROW "
                   f"EXECUTE FUNCTION role_rates_row()")
    op.execute(f"CREATE TRIGGER role_rates_updated AFTER UPDATE OF {ROLE_RATES} ON role_rates FOR EACH ROW "
               f"EXECUTE FUNCTION role_rates_row()")


TRIGGERS = ((*_names("deliverables"), "deliverables"), (*_names("time_entries"), "time_entries"),
            ("services_budget_updated", "services"), ("people_rates_updated", "people"),
            ("role_rates_inserted", "role_rates_deleted", "role_rates_updated", "role_rates"))
FUNCTIONS = ("deliverables_budget_rows", "deliverables_budget_row", "time_entries_budget_rows",
             "time_entries_budget_row", "services_budget_row", "people_rates_row", "role_rates_row")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres()
    else:
        _sqlite()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for *names, table in TRIGGERS:
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
