""""Find help" and reallocation proposals (issue 21): the ranked list of who could help a service, each
with why, and the Approve / Decline message a proposal sends to those asked to decide it."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from messages.blocks.capacity import STATE_EMOJI, hours
from messages.blocks.common import Reply, context, date_token, escape, mrkdwn_section, plural, time_token, user_mention
from messages.ids import ActionId, FindHelpValue, ReallocationChoice, ReallocationValue, ViewKind, ViewRef
from store.changes.reallocation import Expired, ProposalMade, ReallocationApplied
from store.enums import ProposalStatus, Role
from store.readmodels import PersonRef
from store.readmodels.help import HelperView, HelpList, HelpStanding, ReallocationView
from store.rules.help import BILLABLE_CEILING, MAX_HELPERS, LeftOut

FIND_HELP_LABEL = "Find help"
APPROVE_LABEL = "Approve"
DECLINE_LABEL = "Decline"
CEILING = f"{BILLABLE_CEILING:.0%}"
LEFT_OUT_WORDS = {
    LeftOut.SERVICE_LEAD: "the service's lead",
    LeftOut.OPS: "ops",
    LeftOut.OVERLOADED: "overloaded",
    LeftOut.WOULD_OVERLOAD: "would be overloaded by joining",
    LeftOut.NO_FREE_HOURS: "no free hours",
}


def find_help_button(service_id: int, view: ViewRef) -> ButtonElement:
    return ButtonElement(text=FIND_HELP_LABEL, action_id=ActionId.FIND_HELP.value,
                         value=FindHelpValue(s=service_id, w=view).model_dump_json())


def _person(ref: PersonRef) -> str:
    return user_mention(ref.slack_user_id, ref.name)


def _load(h: HelperView) -> str:
    services = f"{h.active_services} of {plural(h.max_services, 'service')}"
    if h.on_team:
        return f"{h.state.label}, {services} · already on the team"
    after = f"{h.active_services + 1} of {h.max_services}"
    return f"{h.state.label}, {services} · joining makes {after} ({h.state_after.label.lower()})"


def _skills(h: HelperView, needed: list[str]) -> str:
    if not needed:
        return "The service lists no skills it needs"
    if not h.matched_skills:
        return f"None of the {plural(len(needed), 'skill')} it needs"
    return (f"Has {len(h.matched_skills)} of the {plural(len(needed), 'skill')} it needs: "
            f"{escape(', '.join(h.matched_skills))}")


def _customer(h: HelperView, customer: str) -> str:
    if not h.worked_with_customer:
        return f"New to {escape(customer)}"
    parts = []
    if h.customer_hours > 0:
        parts.append(f"{hours(h.customer_hours)} h logged on its services")
    if h.customer_services:
        parts.append(f"on {escape(', '.join(h.customer_services))}")
    return f"Worked with {escape(customer)}: {', '.join(parts)}"


def _billable(h: HelperView, last_week_first_day: date, tz: ZoneInfo) -> str:
    week = f"the week of {date_token(last_week_first_day, tz)}"
    if h.billable_share is None:
        return f"No available hours in {week}, so no billable share"
    if h.billable_room > 0:
        return (f"Billed {h.billable_share:.0%} in {week}: {hours(h.billable_room)} h a week of room under the "
                f"{CEILING} ceiling")
    return f"Billed {h.billable_share:.0%} in {week}: no room under the {CEILING} ceiling"


def _reasons(h: HelperView, needed: list[str], customer: str, last_week_first_day: date, tz: ZoneInfo) -> list[str]:
    """Why someone could help: free hours, skills, the customer, billable room."""
    return [
        f"• {hours(h.free_hours)} h free over the next two weeks",
        f"• {_skills(h, needed)}",
        f"• {_customer(h, customer)}",
        f"• {_billable(h, last_week_first_day, tz)}",
    ]


def helper_text(rank: int, h: HelperView, report: HelpList, tz: ZoneInfo) -> str:
    """One person offered, and why: their load, then the reasons."""
    lead = " (a lead)" if h.role == Role.LEAD else ""
    head = f"{STATE_EMOJI[h.state]} *{rank}. {escape(h.person.name)}*{lead} · {_load(h)}"
    return "\n".join([head, *_reasons(h, report.needed_skills, report.service.customer_name,
                                       report.last_week_first_day, tz)])


def left_out_text(report: HelpList) -> str:
    parts = []
    for why in LeftOut:
        if report.left_out.get(why):
            parts.append(f"{report.left_out[why]} {LEFT_OUT_WORDS[why]}")
    return "Left out: " + ", ".join(parts) if parts else "Nobody left out"


def help_list_blocks(report: HelpList, tz: ZoneInfo) -> list[Block]:
    """The ranked list: what the service needs, each person offered with why, who was left out."""
    weeks = f"{date_token(report.first_day, tz)} – {date_token(report.last_day, tz)}"
    needs = escape(", ".join(report.needed_skills)) if report.needed_skills else "no skills listed"
    intro = (f"Who could help *{escape(report.service.label)}*, best first. It needs: {needs}. "
             f"Free hours are counted over {weeks}.")
    blocks: list[Block] = [mrkdwn_section(intro)]
    if not report.helpers:
        blocks.append(mrkdwn_section(":see_no_evil: Nobody in the delivery team has free hours over the next two "
                                     "weeks without being overloaded. `/delivery capacity` shows everyone's load."))
    blocks += [mrkdwn_section(helper_text(n, h, report, tz)) for n, h in enumerate(report.helpers, start=1)]
    shown = f"the first {MAX_HELPERS} of {report.offered_total}" if report.offered_total > len(report.helpers) \
        else plural(report.offered_total, "person", "people")
    blocks.append(context(f"{shown} · {left_out_text(report)} · ranked by free hours (up to 40), 10 a matching "
                          f"skill, 10 for the customer, billable room (up to 10): `help_rank` in docs/metrics.md"))
    return blocks


# ---- a reallocation proposal's message ------------------------------------------------------------


def _asked_text(view: ReallocationView) -> str:
    names = ", ".join(_person(p) for p in view.asked) or "ops"
    standing_in = " (ops standing in for a lead)" if view.ops_standing_in else ""
    return f"Asked: {names}{standing_in}; any ops may decide too. The first decision settles it for everyone."


def _what(view: ReallocationView, tz: ZoneInfo) -> str:
    return (f"{_person(view.person)} for {hours(view.hours_per_week)} h a week on *{escape(view.service.label)}*, "
            f"from {date_token(view.starts_on, tz)} until {date_token(view.ends_on, tz)}")


def _standing_text(view: ReallocationView, standing: HelpStanding, tz: ZoneInfo) -> str:
    """Why them, as Find help ranks them now (or why it would leave them out now)."""
    name = escape(view.person.name)
    h = standing.helper
    if h is None or standing.rank is None:
        why = LEFT_OUT_WORDS[standing.left_out] if standing.left_out else "not offered"
        return f"*Why {name}?* Find help would not offer them now: {why}."
    head = (f"*Why {name}?* Ranked {standing.rank} of {standing.offered_total} who could help now · "
            f"{_load(h)}")
    return "\n".join([head, *_reasons(h, standing.needed_skills, view.service.customer_name,
                                       standing.last_week_first_day, tz)])


def _buttons(view: ReallocationView) -> ActionsBlock:
    def button(choice: ReallocationChoice, label: str, style: str) -> ButtonElement:
        return ButtonElement(text=label, style=style, action_id=f"{ActionId.DECIDE_REALLOCATION.value}:{choice.value}",
                             value=ReallocationValue(d=choice, p=view.proposal_id, v=view.version).model_dump_json())

    return ActionsBlock(elements=[button(ReallocationChoice.APPROVE, APPROVE_LABEL, "primary"),
                                  button(ReallocationChoice.DECLINE, DECLINE_LABEL, "danger")])


def _outcome(view: ReallocationView, tz: ZoneInfo) -> str:
    when = time_token(view.decided_at) if view.decided_at else "just now"
    by = _person(view.decided_by) if view.decided_by else "someone"
    if view.status == ProposalStatus.APPROVED:
        return (f":white_check_mark: *Approved* by {by} {when}: {_person(view.person)} is on the team of "
                f"*{escape(view.service.label)}* with {hours(view.hours_per_week)} h a week until "
                f"{date_token(view.ends_on, tz)}.")
    if view.status == ProposalStatus.DECLINED:
        return f":no_entry_sign: *Declined* by {by} {when}. Nothing changed."
    return f":hourglass: *Expired* {when}: nobody decided in time. Nothing changed."


def reallocation_message(view: ReallocationView, tz: ZoneInfo) -> Reply:
    """What the people asked to decide see: the proposal and Approve / Decline while pending; once
    settled, the outcome and no buttons (drawn again in place for everyone)."""
    proposer = _person(view.proposed_by) if view.proposed_by else "Someone"
    lines = [f":busts_in_silhouette: {proposer} proposes {_what(view, tz)}."]
    if view.note:
        lines.append(f"_{escape(view.note)}_")
    blocks: list[Block] = [mrkdwn_section("\n".join(lines))]
    if view.pending and view.standing is not None:
        blocks.append(mrkdwn_section(_standing_text(view, view.standing, tz)))
    if view.pending:
        blocks.append(_buttons(view))
        blocks.append(context(f"{_asked_text(view)} Expires {time_token(view.expires_at)} if nobody decides."))
        text = (f"Reallocation proposed: {escape(view.person.name)} for {escape(view.service.label)}. "
                "Approve or decline?")
    else:
        blocks.append(mrkdwn_section(_outcome(view, tz)))
        command = f"{view.service.customer_name} {view.service.service_name}"
        blocks.append(context(f"`/delivery history {escape(command)}` for the audit trail · "
                              "`/delivery capacity` for everyone's load"))
        text = (f"Reallocation of {escape(view.person.name)} to {escape(view.service.label)}: "
                f"{view.status.value}.")
    return Reply(text=text, blocks=blocks, shareable=False, view=ViewRef(k=ViewKind.REALLOCATION, p=view.proposal_id),
                 shows=frozenset({("reallocation", view.proposal_id)}))


# ---- what the people involved are told ------------------------------------------------------------


def _and(people: list[str]) -> str:
    return people[0] if len(people) == 1 else f"{', '.join(people[:-1])} and {people[-1]}"


def proposed_note(made: ProposalMade, reached: list[PersonRef]) -> str:
    """To the proposer: whom the proposal went to, or that nobody could be reached."""
    what = f"{escape(made.person.name)} for *{escape(made.label)}*"
    if not reached:
        return (f":warning: Proposed {what}, but nobody who may decide it could be reached in Slack (no linked "
                "Slack user), so it will expire unchanged. Link them (`delivery-bot people sync`) and propose again.")
    return (f":busts_in_silhouette: Proposed {what}. Asked {_and([_person(p) for p in reached])} to approve or "
            "decline; you'll hear when it is decided.")


def decided_note(applied: ReallocationApplied, tz: ZoneInfo) -> str:
    """To whoever clicked Approve or Decline: what their click did."""
    who = escape(applied.person.name)
    if applied.status == ProposalStatus.APPROVED:
        joined = "joins the team" if applied.joined_team else "stays on the team"
        return (f":white_check_mark: Approved: {who} {joined} of *{escape(applied.label)}* with "
                f"{hours(applied.hours_per_week)} h a week until {date_token(applied.ends_on, tz)}. Capacity and "
                "the service's messages are updated.")
    if applied.status == ProposalStatus.DECLINED:
        return f":no_entry_sign: Declined: {who} stays where they are. Nothing changed."
    return ":hourglass: This proposal expired before anyone decided it, so nothing changed. Propose again if needed."


def outcome_note(applied: ReallocationApplied, decided_by: str | None, tz: ZoneInfo) -> str:
    """To the proposer (and, approved, the person moved): how it was decided."""
    by = f" by {user_mention(decided_by)}" if decided_by else ""
    what = f"{escape(applied.person.name)} for *{escape(applied.label)}*"
    if applied.status == ProposalStatus.APPROVED:
        return (f":white_check_mark: Your proposal of {what} was approved{by}: {hours(applied.hours_per_week)} h a "
                f"week until {date_token(applied.ends_on, tz)}.")
    if applied.status == ProposalStatus.DECLINED:
        return f":no_entry_sign: Your proposal of {what} was declined{by}. Nothing changed."
    return f":hourglass: Your proposal of {what} expired: nobody decided it in time. Nothing changed."


def joined_note(applied: ReallocationApplied, decided_by: str, tz: ZoneInfo) -> str:
    """To the person moved, once approved."""
    proposer = f", proposed by {_person(applied.proposed_by)}" if applied.proposed_by else ""
    return (f":wave: You're helping on *{escape(applied.label)}*: {hours(applied.hours_per_week)} h a week until "
            f"{date_token(applied.ends_on, tz)}, approved by {user_mention(decided_by)}{proposer}. "
            f"`/delivery mine` shows your week.")


def expired_note(expired: Expired) -> str:
    """To the proposer, when a scheduler's tick finds their proposal expired."""
    return (f":hourglass: Your proposal of {escape(expired.person_name)} for *{escape(expired.label)}* expired: "
            "nobody decided it in time. Nothing changed; propose again from Find help if it is still needed.")
