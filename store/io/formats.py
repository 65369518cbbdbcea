"""The CSV format of every kind: one column spec per column, shared by import and export.

One spec drives both directions so that what export writes is exactly what import reads:
export -> import -> export is byte-identical because `format` is deterministic and
`parse(format(v)) == v` for every value the store can hold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from store.enums import (
    AppointmentKind,
    BlockerCategory,
    DeliverableStatus,
    Health,
    Phase,
    Role,
    ServiceStatus,
    TaskStatus,
)
from store.models import (
    Allocation,
    Appointment,
    Customer,
    Deliverable,
    Milestone,
    Person,
    Project,
    RoleRate,
    Service,
    Task,
    Ticket,
    TimeEntry,
    TimeOff,
)

# Dependency order: a kind only refers to kinds before it.
KINDS = ("customers", "people", "role_rates", "services", "projects", "milestones", "deliverables",
         "appointments", "tickets", "tasks", "time_entries", "time_off", "allocations")
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
TRUE_WORDS = {"yes", "true", "1", "y", "on"}
FALSE_WORDS = {"no", "false", "0", "n", "off"}
# The model of a kind: each has an id, the workspace's team_id and a key unique in it.
KindModel: TypeAlias = (Customer | Person | RoleRate | Service | Project | Milestone | Deliverable | Appointment
                        | Ticket | Task | TimeEntry | TimeOff | Allocation)
# A row's check across its cells, after each cell was read: (column, reason) of each problem.
RowCheck: TypeAlias = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Column:
    """One CSV column: how to read it (`kind` names the value type) and which attribute it fills.

    `ref` names the kind a reference column points at; `default` is used for a new row whose
    cell is blank (an existing row keeps its value then). Two kinds are lists kept in tables of their
    own: `members` (a service's team, person references) and `skills` (store/io/skills.py).
    """

    name: str
    attr: str
    kind: str = "text"
    required: bool = False
    enum: type[StrEnum] | None = None
    ref: str | None = None
    unique: bool = False
    default: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class KindSpec:
    kind: str
    model: type[KindModel]
    columns: tuple[Column, ...]
    check: RowCheck | None = None

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _now(ctx) -> datetime:
    return ctx.now


def _ends_after_it_starts(first_day: str) -> RowCheck:
    """The check that `to` (ends_on) is not before `from` (starts_on), named `first_day` in its reason.

    A blank `to` (an open end) passes: the kinds where it is required say so in their columns.
    """
    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        starts, ends = values.get("starts_on"), values.get("ends_on")
        if starts is not None and ends is not None and ends < starts:
            return [("to", f"{ends.isoformat()} is before {first_day}, {starts.isoformat()}")]
        return []
    return check


SPECS: dict[str, KindSpec] = {s.kind: s for s in (
    KindSpec("customers", Customer, (
        Column("key", "key", required=True), Column("name", "name", required=True, unique=True),
    )),
    KindSpec("people", Person, (
        Column("key", "key", required=True), Column("name", "name", required=True),
        Column("email", "email"), Column("slack_user_id", "slack_user_id", unique=True), Column("slack_tz", "slack_tz"),
        Column("role", "role", "enum", enum=Role, default=lambda ctx: Role.MEMBER),
        Column("weekly_capacity_hours", "weekly_capacity_hours", "decimal", default=lambda ctx: Decimal("40.0")),
        Column("max_concurrent_services", "max_concurrent_services", "int", default=lambda ctx: 4),
        Column("personal_digest", "personal_digest", "bool", default=lambda ctx: True),
        Column("cost_rate", "cost_rate", "rate"), Column("bill_rate", "bill_rate", "rate"),
        Column("skills", "skills", "skills"),
    )),
    KindSpec("role_rates", RoleRate, (
        Column("key", "key", required=True),
        Column("role", "role", "enum", required=True, enum=Role, unique=True),
        Column("cost_rate", "cost_rate", "rate"), Column("bill_rate", "bill_rate", "rate"),
    )),
    KindSpec("services", Service, (
        Column("key", "key", required=True), Column("customer", "customer_id", "ref", required=True, ref="customers"),
        Column("name", "name", required=True),
        Column("status", "status", "enum", enum=ServiceStatus, default=lambda ctx: ServiceStatus.ACTIVE),
        Column("phase", "phase", "enum", enum=Phase, default=lambda ctx: Phase.DISCOVERY),
        Column("owner", "owner_id", "ref", ref="people"), Column("members", "members", "members", ref="people"),
        Column("action_note", "action_note"),
        Column("health_override", "health_override", "enum", enum=Health),
        Column("health_override_reason", "health_override_reason"),
        Column("health_override_expires_at", "health_override_expires_at", "datetime"),
        Column("health_override_by", "health_override_by_id", "ref", ref="people"),
        Column("created_at", "created_at", "datetime", default=_now),
        Column("budget_hours", "budget_hours", "budget_hours"), Column("budget_amount", "budget_amount", "amount"),
        Column("skills", "skills", "skills"),
    )),
    KindSpec("projects", Project, (
        Column("key", "key", required=True), Column("service", "service_id", "ref", required=True, ref="services"),
        Column("name", "name", required=True),
        Column("phase", "phase", "enum", enum=Phase, default=lambda ctx: Phase.DISCOVERY),
        Column("starts_on", "starts_on", "date"), Column("ends_on", "ends_on", "date"),
        Column("completed_on", "completed_on", "date"),
        Column("budget_hours", "budget_hours", "budget_hours"), Column("budget_amount", "budget_amount", "amount"),
    )),
    KindSpec("milestones", Milestone, (
        Column("key", "key", required=True), Column("service", "service_id", "ref", required=True, ref="services"),
        Column("project", "project_id", "ref", ref="projects"), Column("name", "name", required=True),
        Column("due_on", "due_on", "date", required=True), Column("done_on", "done_on", "date"),
    )),
    KindSpec("deliverables", Deliverable, (
        Column("key", "key", required=True), Column("service", "service_id", "ref", required=True, ref="services"),
        Column("project", "project_id", "ref", ref="projects"),
        Column("milestone", "milestone_id", "ref", ref="milestones"),
        Column("name", "name", required=True), Column("owner", "owner_id", "ref", ref="people"),
        Column("status", "status", "enum", enum=DeliverableStatus, default=lambda ctx: DeliverableStatus.NOT_STARTED),
        Column("due_on", "due_on", "date"), Column("blocked_reason", "blocked_reason"),
        Column("blocked_category", "blocked_category", "enum", enum=BlockerCategory),
        Column("blocked_since", "blocked_since", "datetime"), Column("completed_at", "completed_at", "datetime"),
        Column("accepted_at", "accepted_at", "datetime"),
        Column("accepted_by", "accepted_by_id", "ref", ref="people"),
        Column("expected_unblock_on", "expected_unblock_on", "date"),
        Column("estimate_hours", "estimate_hours", "estimate_hours"),
    )),
    KindSpec("appointments", Appointment, (
        Column("key", "key", required=True), Column("person", "person_id", "ref", required=True, ref="people"),
        Column("service", "service_id", "ref", ref="services"),
        Column("customer", "customer_id", "ref", ref="customers"),
        Column("kind", "kind", "enum", required=True, enum=AppointmentKind),
        Column("title", "title", required=True), Column("starts_at", "starts_at", "datetime", required=True),
        Column("duration_minutes", "duration_minutes", "int", required=True),
    )),
    KindSpec("tickets", Ticket, (
        Column("key", "key", required=True), Column("customer", "customer_id", "ref", required=True, ref="customers"),
        Column("service", "service_id", "ref", ref="services"), Column("title", "title", required=True),
        Column("type", "type", required=True), Column("priority", "priority", required=True),
        Column("owner", "owner_id", "ref", ref="people"),
        Column("opened_at", "opened_at", "datetime", required=True),
        Column("due_at", "due_at", "datetime", required=True), Column("resolved_at", "resolved_at", "datetime"),
        Column("resolution_note", "resolution_note"),
    )),
    KindSpec("tasks", Task, (
        Column("key", "key", required=True), Column("service", "service_id", "ref", ref="services"),
        Column("deliverable", "deliverable_id", "ref", ref="deliverables"),
        Column("title", "title", required=True), Column("owner", "owner_id", "ref", ref="people"),
        Column("due_on", "due_on", "date"),
        Column("status", "status", "enum", enum=TaskStatus, default=lambda ctx: TaskStatus.OPEN),
    )),
    KindSpec("time_entries", TimeEntry, (
        Column("key", "key", required=True), Column("person", "person_id", "ref", required=True, ref="people"),
        Column("service", "service_id", "ref", ref="services"), Column("project", "project_id", "ref", ref="projects"),
        Column("date", "worked_on", "date", required=True), Column("hours", "hours", "hours", required=True),
        Column("billable", "billable", "bool", default=lambda ctx: True), Column("note", "note"),
        Column("source", "source"),
    )),
    KindSpec("time_off", TimeOff, (
        Column("key", "key", required=True), Column("person", "person_id", "ref", required=True, ref="people"),
        Column("from", "starts_on", "date", required=True), Column("to", "ends_on", "date", required=True),
        Column("hours_per_day", "hours_per_day", "hours", default=lambda ctx: Decimal("8.00")),
        Column("note", "note"),
    ), check=_ends_after_it_starts("the first day off")),
    KindSpec("allocations", Allocation, (
        Column("key", "key", required=True), Column("person", "person_id", "ref", required=True, ref="people"),
        Column("service", "service_id", "ref", required=True, ref="services"),
        Column("hours_per_week", "hours_per_week", "weekly_hours", required=True),
        Column("from", "starts_on", "date", required=True), Column("to", "ends_on", "date"),
        Column("note", "note"),
    ), check=_ends_after_it_starts("the allocation's first day")),
)}


# ---- parsing: text -> value, ValueError with a plain reason -------------------------------

def parse_date(text: str) -> date:
    """ISO 2026-11-24, 'Nov 24, 2026', '24 Nov 2026', or US-order 11/24/2026 (month first, documented)."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return _date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})", text):
        return _date(int(m[3]), _month(m[1], text), int(m[2]), text)
    if m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})", text):
        return _date(int(m[3]), _month(m[2], text), int(m[1]), text)
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        if int(m[1]) > 12:
            raise ValueError(f"'{text}' is not a date: slash dates are read month/day/year; use 2026-11-24")
        return _date(int(m[3]), int(m[1]), int(m[2]), text)
    raise ValueError(f"'{text}' is not a date (use 2026-11-24, Nov 24, 2026 or 24 Nov 2026)")


def _month(word: str, text: str) -> int:
    month = MONTHS.get(word[:3].lower())
    if month is None:
        raise ValueError(f"'{text}' is not a date: unknown month '{word}'")
    return month


def _date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: no such day") from None


def parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 with a zone as given; without one, in the organisation's time zone `tz`."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = _spreadsheet_datetime(text)
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def _spreadsheet_datetime(text: str) -> datetime:
    """'Nov 24, 2026 14:30' and the other date forms followed by an optional HH:MM."""
    m = re.fullmatch(r"(.*?)(?:[ T](\d{1,2}):(\d{2}))?", text)
    not_a_datetime = f"'{text}' is not a date and time (use 2026-11-24T14:30 or 2026-11-24T14:30:00Z)"
    if m is None:  # a line break inside the cell: `.` does not match it
        raise ValueError(not_a_datetime)
    try:
        day = parse_date(m[1])
    except ValueError:
        raise ValueError(not_a_datetime) from None
    hour, minute = int(m[2] or 0), int(m[3] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day")
    return datetime.combine(day, time(hour, minute))


def max_length(model: type[KindModel], column: Column) -> int | None:
    """The database's length limit for a text column (PostgreSQL enforces it; SQLite would not)."""
    return getattr(model.__table__.c[column.attr].type, "length", None)


def parse_text(model: type[KindModel], column: Column, text: str) -> str:
    limit = max_length(model, column)
    if limit is not None and len(text) > limit:
        raise ValueError(f"too long: {len(text)} characters, at most {limit}")
    return text


def parse_plain(column: Column, text: str, tz: ZoneInfo) -> Any:
    """A non-reference cell's value; references are resolved by the importer's resolver."""
    kind = column.kind
    if kind == "text":
        return text
    if kind == "enum":
        assert column.enum is not None, f"enum column {column.name} names no enum"
        return parse_enum(column.enum, text)
    if kind == "date":
        return parse_date(text)
    if kind == "datetime":
        return parse_datetime(text, tz)
    if kind == "int":
        if not re.fullmatch(r"\d{1,9}", text.strip()):
            raise ValueError(f"'{text}' is not a whole number (0 to 999999999)")
        return int(text)
    if kind == "decimal":
        return parse_decimal(text)
    if kind == "hours":
        return parse_hours(text)
    if kind == "weekly_hours":
        return parse_weekly_hours(text)
    if kind == "budget_hours":
        return parse_budget_hours(text)
    if kind == "estimate_hours":
        return parse_estimate_hours(text)
    if kind == "rate":
        return parse_rate(text)
    if kind == "amount":
        return parse_amount(text)
    if kind == "bool":
        return parse_bool(text)
    raise AssertionError(kind)


def parse_enum(enum: type[StrEnum], text: str) -> StrEnum:
    """Accept the stored value ('in_progress', 'third-party') or its label ('In progress', 'Third party'), any
    case, with spaces, hyphens and underscores alike."""
    def same(words: str) -> str:
        return words.strip().lower().replace(" ", "_").replace("-", "_")

    wanted = same(text)
    for member in enum:
        if same(member.value) == wanted or same(str(getattr(member, "label", member.value))) == wanted:
            return member
    allowed = ", ".join(m.value for m in enum)
    raise ValueError(f"unknown value '{text}' (allowed: {allowed})")


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite() or value < 0 or value >= 10000:
        raise ValueError(f"'{text}' is out of range (0 to 9999.9)")
    return value.quantize(Decimal("0.1"))


def parse_hours(text: str) -> Decimal:
    """Hours in a day: more than 0, at most 24, to the hundredth (a quarter hour is 0.25)."""
    return _hours_in(text, "a day", 24)


def parse_weekly_hours(text: str) -> Decimal:
    """Hours in a week: more than 0, at most 168 (seven days of 24), to the hundredth."""
    return _hours_in(text, "a week", 168)


def _hours_in(text: str, span: str, most: int) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number of hours") from None
    # Checked once rounded too: 0.004 would be stored as 0.00, which the table's check refuses.
    if not value.is_finite() or value <= 0 or value > most or value.quantize(Decimal("0.01")) == 0:
        raise ValueError(f"'{text}' is not hours in {span} (more than 0, at most {most})")
    return value.quantize(Decimal("0.01"))


# Hours in all and money: the largest value each column holds (Numeric(precision, 2)), so that every
# stored value reads back. A comma is read only as a thousands separator ("12,500.00"); export never
# writes one. Money takes no currency sign: the organisation has one currency.
BUDGET_HOURS_MOST = Decimal("99999999.99")  # Numeric(10, 2): services' and projects' budget_hours
ESTIMATE_HOURS_MOST = Decimal("99999.99")  # Numeric(7, 2): deliverables' estimate_hours
RATE_MOST = Decimal("99999999.99")  # Numeric(10, 2): cost_rate and bill_rate, an hour
AMOUNT_MOST = Decimal("999999999999.99")  # Numeric(14, 2): services' and projects' budget_amount
THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


def parse_budget_hours(text: str) -> Decimal:
    """A budget's hours in all: more than 0 (no budget is a blank cell), to the hundredth."""
    return _hours_in_all(text, "a budget in hours", BUDGET_HOURS_MOST)


def parse_estimate_hours(text: str) -> Decimal:
    """Hours a deliverable is expected to take in all: more than 0, to the hundredth."""
    return _hours_in_all(text, "an estimate in hours", ESTIMATE_HOURS_MOST)


def parse_rate(text: str) -> Decimal:
    """Money an hour costs or is billed at: at least 0, to the hundredth."""
    return _money(text, "a rate", RATE_MOST)


def parse_amount(text: str) -> Decimal:
    """A budget's money: at least 0, to the hundredth."""
    return _money(text, "an amount", AMOUNT_MOST)


def _hours_in_all(text: str, what: str, most: Decimal) -> Decimal:
    value = _number(text, "a number of hours")
    rounded = _to_hundredth(value, most)
    # Checked once rounded: 0.004 would be stored as 0.00, and 99999.996 as more than the column holds.
    if rounded is None or value <= 0 or rounded == 0 or rounded > most:
        raise ValueError(f"'{text}' is not {what} (more than 0, at most {most:,})")
    return rounded


def _money(text: str, what: str, most: Decimal) -> Decimal:
    if any(unicodedata.category(c) == "Sc" for c in text):
        raise ValueError(f"'{text}' has a currency sign: write the amount without a currency sign")
    value = _number(text, "an amount of money")
    rounded = _to_hundredth(value, most)
    if rounded is None or value < 0 or rounded > most:
        raise ValueError(f"'{text}' is not {what} (at least 0, at most {most:,})")
    return rounded.copy_abs()  # -0 is 0: export never writes "-0.00"


def _to_hundredth(value: Decimal, most: Decimal) -> Decimal | None:
    """`value` rounded to the hundredth; None when it is not finite or far past `most` (1e400 would
    not round within the decimal context's precision). The caller checks the rounded value's range."""
    if not value.is_finite() or value.copy_abs() > 2 * most:
        return None
    return value.quantize(Decimal("0.01"))


def _number(text: str, what: str) -> Decimal:
    """The decimal in `text`, where a comma may only separate thousands ("12,500.00", not "12,50")."""
    plain = text.replace(",", "") if THOUSANDS.fullmatch(text) else text
    if "," in plain:
        raise ValueError(f"'{text}' is not {what}: write decimals with a point (12.50); "
                         "a comma may only separate thousands (12,500.00)")
    try:
        return Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not {what}") from None


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'{text}' is not yes or no")


# ---- formula cells (CSV injection): the one escaping rule, shared by export and import ----
#
# A spreadsheet runs a cell that begins with = + - @ tab or carriage return as a formula
# (OWASP's CSV-injection list). Export puts one single quote in front of such a cell, which a
# spreadsheet shows as text; import takes exactly that quote off again. To keep the mapping a
# bijection, a value that already begins with quotes followed by a trigger ("'=x" typed by a
# person) gets one more quote ("''=x"), and import always removes exactly one. Plain numbers
# ("-5", "+1.5") are left alone: a spreadsheet reads them as numbers, not formulas.
#
#   risky(v)   = v.lstrip("'") starts with a trigger, and v is not a plain number
#   export(v)  = "'" + v if risky(v) else v
#   import(c)  = c[1:] if c starts with "'" and c.lstrip("'") starts with a trigger else c
#
# import(export(v)) == v for every v, so export -> import -> export is byte-identical.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_QUOTE = "'"
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _after_quotes_is_trigger(text: str) -> bool:
    return text.lstrip(FORMULA_QUOTE).startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """The cell export writes for `text`: a quote in front if a spreadsheet could run it as a formula."""
    if _after_quotes_is_trigger(text) and not PLAIN_NUMBER.fullmatch(text):
        return FORMULA_QUOTE + text
    return text


def restore_formula(text: str) -> str:
    """The value of a cell export neutralised: exactly one leading quote removed (the inverse)."""
    if text.startswith(FORMULA_QUOTE) and _after_quotes_is_trigger(text):
        return text[1:]
    return text


# ---- control characters --------------------------------------------------------------------

def refuse_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL (SQLite would store it): refuse it on both databases.

    Every other control character is a valid character in both databases and is kept as is.
    """
    if "\x00" in text:
        raise ValueError("contains a NUL character (\\x00), which the database cannot store: remove it")
    return text


# ---- formatting: value -> text, deterministic -------------------------------------------

def format_value(column: Column, value: Any) -> str:
    """The cell text for `value`; references are formatted by the exporter (as keys)."""
    if value is None:
        return ""
    kind = column.kind
    if kind == "enum":
        return value.value if isinstance(value, StrEnum) else str(value)  # a category is stored as its text
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if kind == "decimal":
        return f"{Decimal(value):.1f}"
    if kind in ("hours", "weekly_hours", "budget_hours", "estimate_hours", "rate", "amount"):
        return f"{Decimal(value):.2f}"
    if kind == "bool":
        return "yes" if value else "no"
    return str(value)
