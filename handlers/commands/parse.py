"""Parse the text after `/delivery` into a typed command.

Shared by the slash command listener and `delivery-bot ask`, so both agree on
what is valid input.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypedDict

from pydantic import BaseModel, ConfigDict

from store.enums import AlertKind, MilestoneWindow
from store.readmodels.tickets import TicketGrouping
from store.rules.schedule import ScheduleError, parse_days, parse_time, parse_zone


class Subcommand(StrEnum):
    HELP = "help"
    STATUS = "status"
    SERVICE = "service"
    CAPACITY = "capacity"
    BUDGET = "budget"
    AT_RISK = "at-risk"
    TICKETS = "tickets"
    MILESTONES = "milestones"
    MINE = "mine"
    HISTORY = "history"
    FORECAST = "forecast"
    PATTERNS = "patterns"
    CUSTOMERS = "customers"
    TRENDS = "trends"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SUBSCRIPTIONS = "subscriptions"
    DIGEST = "digest"


# What `/delivery tickets by …` groups by, and which milestones `/delivery milestones` lists: the
# store's own enums, so a parsed command is a view's parameters as they are.
TicketBreakdown = TicketGrouping


HELP_WORDS = {"", "help", "-h", "--help", "?"}
ALIASES = {"atrisk": Subcommand.AT_RISK, "risk": Subcommand.AT_RISK, "ticket": Subcommand.TICKETS,
           "milestone": Subcommand.MILESTONES, "me": Subcommand.MINE, "forecasts": Subcommand.FORECAST,
           "pattern": Subcommand.PATTERNS, "trend": Subcommand.TRENDS}


CHANNEL_DIGESTS = ("at-risk", "overdue-tickets", "weekly-portfolio", "patterns")
# Alerts a channel can get: posted as things happen, so subscribing to one takes no schedule.
CHANNEL_ALERTS = tuple(kind.value for kind in AlertKind)
ALL_CLEAR_WORDS = {"all-clear", "allclear", "all_clear"}
CHARTS_WORDS = {"charts": True, "no-charts": False, "nocharts": False, "no_charts": False}
# `/delivery patterns [N weeks]`: how many whole weeks it looks back over (and compares with the N before).
DEFAULT_PATTERN_WEEKS, MAX_PATTERN_WEEKS = 4, 26
PATTERN_WEEKS = re.compile(r"(\d{1,3})\s*(?:w|wk|wks|week|weeks)?")


class SubscriptionOptions(BaseModel):
    """`/delivery subscribe <digest> [HH:MM] [days] [time zone] [all-clear]`, or `/delivery subscribe
    <alert>` (no options: an alert has no schedule); None means the default."""

    model_config = ConfigDict(frozen=True)

    digest: str
    at_time: str | None = None
    days: str | None = None
    timezone: str | None = None
    all_clear: bool = False
    # `charts` or `no-charts`: whether the digest attaches its charts; None leaves the choice as it was
    # (on for a new subscription).
    charts: bool | None = None


class _SubscribeFields(TypedDict, total=False):
    """The optional words of `/delivery subscribe`, as SubscriptionOptions fields."""

    at_time: str
    days: str
    timezone: str
    all_clear: bool
    charts: bool


class DeliveryCommand(BaseModel):
    model_config = ConfigDict(frozen=True)

    subcommand: Subcommand
    name: str | None = None
    breakdown: TicketBreakdown = TicketBreakdown.CUSTOMER
    window: MilestoneWindow = MilestoneWindow.THIS_WEEK
    subscription: SubscriptionOptions | None = None
    turn_on: bool | None = None
    weeks: int = DEFAULT_PATTERN_WEEKS  # `/delivery patterns [N weeks]`

    @property
    def text(self) -> str:
        """The canonical text that runs this command again."""
        if self.subcommand == Subcommand.SERVICE:
            return f"status {self.name}"
        if self.subcommand == Subcommand.HISTORY:
            return f"history {self.name}"
        if self.subcommand == Subcommand.FORECAST:
            return f"forecast {self.name}" if self.name else "forecast"
        if self.subcommand == Subcommand.PATTERNS:
            return f"patterns {self.weeks}"
        if self.subcommand == Subcommand.DIGEST:
            return f"digest {'on' if self.turn_on else 'off'}"
        if self.subcommand == Subcommand.TICKETS:
            return f"tickets by {self.breakdown.value}"
        if self.subcommand == Subcommand.MILESTONES:
            return f"milestones {self.window.value}"
        return self.subcommand.value


class UsageError(ValueError):
    """The text is not a command we know; the message says what was wrong and what to type."""


def _no_argument(subcommand: Subcommand, argument: str) -> DeliveryCommand:
    if argument:
        raise UsageError(f"`/delivery {subcommand.value}` takes nothing after it (you typed '{argument}').")
    return DeliveryCommand(subcommand=subcommand)


def _tickets(argument: str) -> DeliveryCommand:
    words = argument.lower().split()
    if not words:
        return DeliveryCommand(subcommand=Subcommand.TICKETS)
    if words[0] == "by":
        words = words[1:]
    choices = {b.value: b for b in TicketBreakdown}
    if len(words) == 1 and words[0] in choices:
        return DeliveryCommand(subcommand=Subcommand.TICKETS, breakdown=choices[words[0]])
    raise UsageError(f"I can break tickets down by customer, type or owner, not '{argument}'. "
                     "Try `/delivery tickets by owner`.")


def _milestones(argument: str) -> DeliveryCommand:
    wanted = " ".join(argument.lower().split())
    if not wanted:
        return DeliveryCommand(subcommand=Subcommand.MILESTONES)
    for window in MilestoneWindow:
        if wanted == window.value or wanted == window.value.replace(" ", "-"):
            return DeliveryCommand(subcommand=Subcommand.MILESTONES, window=window)
    raise UsageError(f"I can show milestones this week, next week or overdue, not '{argument}'. "
                     "Try `/delivery milestones next week`.")


def _patterns(argument: str) -> DeliveryCommand:
    wanted = " ".join(argument.lower().split())
    if not wanted:
        return DeliveryCommand(subcommand=Subcommand.PATTERNS)
    found = PATTERN_WEEKS.fullmatch(wanted)
    if found is None or not 1 <= int(found[1]) <= MAX_PATTERN_WEEKS:
        raise UsageError(f"`/delivery patterns` looks back over 1 to {MAX_PATTERN_WEEKS} whole weeks "
                         f"({DEFAULT_PATTERN_WEEKS} when you give none), not '{argument}'. "
                         "Try `/delivery patterns 8 weeks`.")
    return DeliveryCommand(subcommand=Subcommand.PATTERNS, weeks=int(found[1]))


def _service(argument: str, subcommand: Subcommand = Subcommand.SERVICE) -> DeliveryCommand:
    if not argument:
        raise UsageError(f"Which service? Type `/delivery {subcommand.value} <name>`, "
                         f"for example `/delivery {subcommand.value} Delta`.")
    return DeliveryCommand(subcommand=subcommand, name=argument)


def _digest_name(word: str, subcommand: Subcommand) -> str:
    """A digest or an alert a channel can get."""
    if word not in CHANNEL_DIGESTS + CHANNEL_ALERTS:
        raise UsageError(f"'{word}' is not a digest a channel can get; choose one of "
                         f"{', '.join(CHANNEL_DIGESTS + CHANNEL_ALERTS)}, "
                         f"for example `/delivery {subcommand.value} at-risk`.")
    return word


def _subscribe(argument: str) -> DeliveryCommand:
    words = argument.split()
    if not words:
        raise UsageError("Which digest? Type `/delivery subscribe at-risk [HH:MM] [weekdays|daily|mon,wed,fri] "
                         "[time zone]`, for example `/delivery subscribe at-risk 08:30 weekdays Europe/London`.")
    digest = _digest_name(words[0].lower(), Subcommand.SUBSCRIBE)
    if digest in CHANNEL_ALERTS and words[1:]:
        what = ("Escalations are posted as blocked deliverables reach their last step" if digest == "escalations"
                else "SLA warnings are posted as tickets cross their thresholds")
        raise UsageError(f"{what}, not on a schedule, so a time, days, time zone, all-clear or charts "
                         f"does not apply (you typed '{' '.join(words[1:])}'). "
                         f"Type `/delivery subscribe {digest}` on its own.")
    options: _SubscribeFields = {}
    for word in words[1:]:
        options.update(_subscribe_option(word))
    return DeliveryCommand(subcommand=Subcommand.SUBSCRIBE, subscription=SubscriptionOptions(digest=digest, **options))


def _subscribe_option(word: str) -> _SubscribeFields:
    """One option, recognised by its shape; a malformed one says what to type instead."""
    lowered = word.lower()
    if lowered in ALL_CLEAR_WORDS:
        return {"all_clear": True}
    if lowered in CHARTS_WORDS:
        return {"charts": CHARTS_WORDS[lowered]}
    try:
        if ":" in word:
            return {"at_time": parse_time(word).strftime("%H:%M")}
        if "/" in word or word.upper() == "UTC":
            return {"timezone": parse_zone(word).key}
        return {"days": ",".join(parse_days(lowered))}
    except ScheduleError as problem:
        raise UsageError(f"{problem}.") from None


# Slack sends a few thousand characters at most; nothing the bot answers to is longer than this, and
# longer text is refused before any work (matching a name against every service, say) is done.
MAX_COMMAND_CHARS = 2000


def parse_command(text: str) -> DeliveryCommand:
    if len(text or "") > MAX_COMMAND_CHARS:
        raise UsageError(f"That is {len(text):,} characters after `/delivery`; a command takes at most "
                         f"{MAX_COMMAND_CHARS:,}. Type a command and a short name, "
                         "for example `/delivery status Delta`.")
    words = (text or "").strip().split(maxsplit=1)
    head = words[0].lower() if words else ""
    argument = words[1].strip() if len(words) > 1 else ""
    if head in HELP_WORDS:
        return DeliveryCommand(subcommand=Subcommand.HELP)
    subcommand = ALIASES.get(head) or next((s for s in Subcommand if s.value == head), None)
    if subcommand is None:
        raise UsageError(f"I don't know '/delivery {text.strip()}'.")
    if subcommand == Subcommand.STATUS:
        return _service(argument) if argument else DeliveryCommand(subcommand=Subcommand.STATUS)
    if subcommand in (Subcommand.SERVICE, Subcommand.HISTORY):
        return _service(argument, subcommand)
    if subcommand == Subcommand.FORECAST:
        return DeliveryCommand(subcommand=subcommand, name=argument or None)
    if subcommand == Subcommand.SUBSCRIBE:
        return _subscribe(argument)
    if subcommand == Subcommand.UNSUBSCRIBE:
        digest = _digest_name(argument.lower(), subcommand) if argument else _digest_name("", subcommand)
        return DeliveryCommand(subcommand=subcommand, subscription=SubscriptionOptions(digest=digest))
    if subcommand == Subcommand.DIGEST:
        if argument.lower() not in ("on", "off"):
            raise UsageError("Type `/delivery digest off` to stop your morning DM, or `/delivery digest on` "
                             "to get it again.")
        return DeliveryCommand(subcommand=subcommand, turn_on=argument.lower() == "on")
    if subcommand == Subcommand.TICKETS:
        return _tickets(argument)
    if subcommand == Subcommand.MILESTONES:
        return _milestones(argument)
    if subcommand == Subcommand.PATTERNS:
        return _patterns(argument)
    return _no_argument(subcommand, argument)
