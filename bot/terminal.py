"""Render Slack Block Kit messages as plain text for a terminal.

`delivery-bot ask` and `delivery-bot demo` run the bot's handlers without
Slack and print the replies in a terminal, so the blocks a handler builds
(dicts from `slack_sdk.models.blocks` `.to_dict()`) have to read well as
plain text there: mrkdwn markup stripped, links and mentions shown by
their labels, buttons shown as `[Label]`.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from datetime import datetime, timezone
from itertools import zip_longest
from typing import Any

__all__ = ["mrkdwn_to_plain", "render_message"]

EMOJI = {
    "red_circle": "🔴", "large_yellow_circle": "🟡", "large_green_circle": "🟢",
    "white_check_mark": "✅", "warning": "⚠️", "calendar": "📅", "ticket": "🎫",
    "package": "📦", "busts_in_silhouette": "👥", "chart_with_upwards_trend": "📈",
    "bar_chart": "📊", "hourglass_flowing_sand": "⏳", "no_entry": "⛔", "mag": "🔍",
    "information_source": "ℹ️", "point_right": "👉", "memo": "📝", "white_circle": "⚪",
    "large_orange_circle": "🟠", "arrow_up": "⬆️", "zzz": "💤", "rotating_light": "🚨", "alarm_clock": "⏰",
}  # fmt: skip

CONTEXT_INDENT = "  "
CONTEXT_SEPARATOR = "  ·  "
# Spaces inside a `[Button label]` become this private-use character until
# wrapping is done, so textwrap never splits a control across two lines.
_GLUE = "\ue002"
# Rendered links and code spans hide behind numbered placeholders made of
# private-use characters, so emphasis and emoji rules never reach into URLs
# or code.
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")

_ANGLE_RE = re.compile(r"<([^<>\n]+)>")
_CODE_RE = re.compile(r"```(.*?)```|`([^`\n]+)`", re.DOTALL)
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")
_ENTITY_RE = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def _emphasis_re(marker: str) -> re.Pattern[str]:
    # A marker only counts at a word edge: `at_risk_now` and `2*3*4` have a
    # letter or digit on the outside of the marker and stay untouched.
    m = re.escape(marker)
    outside = rf"(?:[^\W_]|{m})"
    return re.compile(rf"(?<!{outside}){m}([^\s{m}](?:[^{m}\n]*?[^\s{m}])?){m}(?!{outside})")


_EMPHASIS = [_emphasis_re(marker) for marker in ("*", "_", "~")]


def mrkdwn_to_plain(text: str) -> str:
    """Strip Slack mrkdwn markup, keeping what a reader would see."""
    stash: list[str] = []

    def hide(rendered: str) -> str:
        stash.append(rendered)
        return f"\ue000{len(stash) - 1}\ue001"

    text = _ANGLE_RE.sub(lambda m: hide(_render_angle(m.group(1))), text)
    text = _CODE_RE.sub(lambda m: hide(m.group(2) or m.group(1).strip("\n")), text)
    text = _replace_emoji(text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    # Two passes: a code span can hold a link placeholder, nothing nests
    # deeper, and a fixed count cannot loop on hostile input.
    for _ in range(2):
        text = _PLACEHOLDER_RE.sub(lambda m: _unstash(stash, m), text)
    # Entities last: `&lt;b&gt;` is user text and must not become a link.
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(1)], text)


def _unstash(stash: list[str], match: re.Match[str]) -> str:
    index = int(match.group(1))
    return stash[index] if index < len(stash) else match.group(0)


def _replace_emoji(text: str) -> str:
    return _EMOJI_RE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _render_angle(inner: str) -> str:
    """One `<...>` token: a link, mention, or special command."""
    target, _, label = inner.partition("|")
    if target.startswith("!date^"):
        return label or _iso_date(target)
    if target.startswith(("@", "#")):
        # Mentions keep their sigil whether or not Slack sent a display name.
        return target[0] + label.lstrip("@#") if label else target
    if target.startswith("!"):
        command, _, argument = target[1:].partition("^")
        return "@" + (label.lstrip("@") or argument or command)
    return label or target


def _iso_date(token: str) -> str:
    try:
        stamp = datetime.fromtimestamp(int(token.split("^")[1]), tz=timezone.utc)
    except (IndexError, ValueError, OverflowError, OSError):
        return token
    return stamp.date().isoformat()


def _text(obj: Any) -> str:
    """A text object (or bare string) as plain text."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "image":  # context images have only their alt text
        return str(obj.get("alt_text") or "")
    raw = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_plain(raw)
    # plain_text is never formatted, but Slack decodes its three entities as in mrkdwn
    # (the bot escapes user text there too: messages.blocks.common.escape), and still
    # shows emoji unless the sender turned that off.
    raw = _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(1)], raw)
    return raw if obj.get("emoji") is False else _replace_emoji(raw)


def _token(label: str) -> str:
    return "[" + label.replace(" ", _GLUE) + "]"


def _element(element: Any) -> str:
    """An interactive element as a bracketed token, e.g. `[Complete]`."""
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "button":
        return _token(_text(element.get("text")))
    if kind == "overflow":
        labels = [_text(option.get("text")) for option in element.get("options") or []]
        return _token("⋯ " + " | ".join(labels))
    if kind == "image":
        return _token("image: " + str(element.get("alt_text") or ""))
    return _token(_element_hint(element) + " ▾")


def _element_hint(element: dict) -> str:
    # Selects and pickers show their placeholder; failing that, what is chosen.
    shown = element.get("placeholder") or (element.get("initial_option") or {}).get("text")
    if shown:
        return _text(shown)
    fallback = element.get("initial_date") or element.get("initial_time") or element.get("type")
    return str(fallback or "input").replace("_", " ")


def _display_width(text: str) -> int:
    """Terminal columns: wide emoji take two, joiners and combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\ufe0f\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _display_width(text))


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Wrap each line of `text`, keeping its leading indentation."""
    lines: list[str] = []
    for line in text.split("\n"):
        line = indent + line
        lead = line[: len(line) - len(line.lstrip())]
        # Long words stay whole so URLs and IDs can still be copied from the output.
        wrapped = textwrap.wrap(line, width=max(width, len(lead) + 10), subsequent_indent=lead,
                                break_long_words=False, break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return lines


def _header(block: dict, width: int) -> list[str]:
    text = _text(block.get("text"))
    if not text:
        return []
    lines = _wrap(text, width)
    return [*lines, "=" * max(_display_width(line) for line in lines)]


def _section(block: dict, width: int) -> list[str]:
    text = _text(block.get("text"))
    accessory = block.get("accessory")
    if accessory:
        text = f"{text} {_element(accessory)}" if text else _element(accessory)
    lines = _wrap(text, width) if text else []
    return lines + _fields(block.get("fields") or [], width)


def _fields(fields: Any, width: int) -> list[str]:
    """Fields two per row, the left column padded to a common width."""
    cells = [_text(field) for field in fields] if isinstance(fields, list) else []
    if not cells:
        return []
    left_cells = cells[0::2]
    longest = max(_display_width(line) for cell in left_cells for line in cell.split("\n"))
    column = min(longest, width // 2)
    if not _fits_two_columns(cells, column, width):
        # Wrapped cells side by side read worse than the same cells one under the other.
        stacked: list[str] = []
        for cell in cells:
            stacked += ([""] if stacked else []) + _wrap(cell, width)
        return stacked
    rows: list[str] = []
    for index in range(0, len(cells), 2):
        left = _wrap(cells[index], column)
        right = _wrap(cells[index + 1], width - column - 2) if index + 1 < len(cells) else []
        pairs = zip_longest(left, right, fillvalue="")
        rows.extend((_pad(one, column) + "  " + two).rstrip() for one, two in pairs)
    return rows


def _fits_two_columns(cells: list[str], column: int, width: int) -> bool:
    right_width = width - column - 2
    return all(
        _display_width(line) <= (column if index % 2 == 0 else right_width)
        for index, cell in enumerate(cells)
        for line in cell.split("\n")
    )


def _context(block: dict, width: int) -> list[str]:
    parts = (_text(element) for element in block.get("elements") or [])
    text = CONTEXT_SEPARATOR.join(part for part in parts if part)
    return _wrap(text, width, indent=CONTEXT_INDENT) if text else []


def _divider(block: dict, width: int) -> list[str]:
    return ["─" * min(width, 60)]


def _actions(block: dict, width: int) -> list[str]:
    tokens = [_element(element) for element in block.get("elements") or []]
    text = " ".join(token for token in tokens if token)
    return _wrap(text, width) if text else []


def _rich_text(block: dict, width: int) -> list[str]:
    text = "\n".join(_rich_part(element) for element in block.get("elements") or [])
    return _wrap(text, width) if text.strip() else []


def _rich_part(element: Any) -> str:
    """One rich_text element (section, list, quote, or inline part) as text."""
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    children = element.get("elements") or []
    if kind == "rich_text_list":
        indent = "  " * int(element.get("indent") or 0)
        ordered = element.get("style") == "ordered"
        return "\n".join(
            f"{indent}{f'{number}.' if ordered else '•'} {_rich_part(item)}"
            for number, item in enumerate(children, start=1)
        )
    if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        return "".join(_rich_part(child) for child in children)
    return _rich_inline(element)


# Inline rich_text parts that are not plain `text`: (prefix, key holding the value).
_RICH_INLINE = {"user": ("@", "user_id"), "usergroup": ("@", "usergroup_id"),
                "channel": ("#", "channel_id"), "broadcast": ("@", "range")}


def _rich_inline(element: dict) -> str:
    kind = element.get("type")
    if kind in _RICH_INLINE:
        prefix, key = _RICH_INLINE[kind]
        return prefix + str(element.get(key) or "")
    if kind == "emoji":
        name = str(element.get("name") or "")
        return EMOJI.get(name, f":{name}:")
    if kind == "date":
        return str(element.get("fallback") or _iso_date(f"!date^{element.get('timestamp')}"))
    return str(element.get("text") or element.get("url") or "")


def _unknown(block: dict, width: int) -> list[str]:
    # Image, input, video and future blocks: show a title or label if one is
    # obvious, otherwise print nothing rather than guess.
    for key in ("text", "title", "label"):
        text = _text(block.get(key))
        if text:
            return _wrap(text, width)
    alt = block.get("alt_text")
    return [_token("image: " + str(alt))] if alt else []


_RENDERERS = {"header": _header, "section": _section, "context": _context,
              "divider": _divider, "actions": _actions, "rich_text": _rich_text}


def _render_block(block: Any, width: int) -> list[str]:
    if not isinstance(block, dict):
        return []
    renderer = _RENDERERS.get(str(block.get("type")), _unknown)
    try:
        return renderer(block, width)
    except (AttributeError, KeyError, TypeError, ValueError):
        # A malformed block from a handler must not take the CLI down with it;
        # the rest of the message is still worth printing.
        return []


def _needs_gap(previous: str | None, current: str) -> bool:
    if previous is None or previous == "header":
        return False
    return not (previous == "context" and current == "context")


def render_message(blocks: list[dict], text: str | None = None, *, width: int = 100) -> str:
    """Render a Slack message as terminal text ending in a newline."""
    lines: list[str] = []
    previous: str | None = None
    for block in blocks or []:
        rendered = _render_block(block, width)
        if not rendered:
            continue
        kind = str(block.get("type"))
        if _needs_gap(previous, kind):
            lines.append("")
        lines.extend(rendered)
        previous = kind
    # Slack shows the `text` fallback when there are no blocks; do the same
    # when every block turned out empty, so the reply is never blank.
    if not lines and text:
        lines = _wrap(mrkdwn_to_plain(text), width)
    output = "\n".join(line.rstrip() for line in lines).replace(_GLUE, " ")
    return output + "\n"
