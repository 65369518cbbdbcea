"""Unit tests for bot.terminal: Block Kit messages rendered for a terminal."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.terminal import EMOJI, mrkdwn_to_plain, render_message


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def render(*blocks, **kwargs) -> str:
    """Render slack_sdk block objects (or raw dicts) the way a handler sends them."""
    dicts = [b.to_dict() if hasattr(b, "to_dict") else b for b in blocks]
    return render_message(dicts, **kwargs)


def overflow(*labels: str) -> OverflowMenuElement:
    options = [Option(value=f"v{i}", text=label) for i, label in enumerate(labels)]
    return OverflowMenuElement(action_id="more", options=options)


# --- mrkdwn_to_plain ------------------------------------------------------


def test_date_token_uses_its_fallback():
    assert mrkdwn_to_plain("due <!date^1700000000^{date_short_pretty}|Nov 14>") == "due Nov 14"


def test_date_token_without_fallback_becomes_iso_date():
    assert mrkdwn_to_plain("<!date^1700000000^{date_short_pretty}>") == "2023-11-14"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<https://x.example|label>", "label"),
        ("<https://x.example>", "https://x.example"),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("<@U123>", "@U123"),
        ("<@U123|bill>", "@bill"),
        ("<#C123|ops>", "#ops"),
        ("<#C123>", "#C123"),
        ("<!here>", "@here"),
        ("<!channel>", "@channel"),
        ("<!subteam^S1|@team>", "@team"),
    ],
)
def test_links_and_mentions(source, expected):
    assert mrkdwn_to_plain(source) == expected


def test_link_url_is_not_mangled_by_emphasis_rules():
    assert mrkdwn_to_plain("<https://x.example/_draft_/a*b*>") == "https://x.example/_draft_/a*b*"


def test_entities_are_decoded_after_links():
    # Slack escapes user-typed angle brackets; they must not turn into links.
    assert mrkdwn_to_plain("&lt;b&gt; &lt;https://x|y&gt;") == "<b> <https://x|y>"


def test_entities_decode_once():
    assert mrkdwn_to_plain("R&amp;D &amp;lt;") == "R&D &lt;"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*bold*", "bold"),
        ("_italic_", "italic"),
        ("~strike~", "strike"),
        ("*two words* and _more here_", "two words and more here"),
        ("(*bold*), _it_.", "(bold), it."),
        ("*_both_*", "both"),
        ("status at_risk_now", "status at_risk_now"),
        ("__init__ and snake_case_name", "__init__ and snake_case_name"),
        ("2*3*4 = 24", "2*3*4 = 24"),
        ("a * b * c", "a * b * c"),
    ],
)
def test_emphasis_only_around_words(source, expected):
    assert mrkdwn_to_plain(source) == expected


def test_code_spans_keep_content_without_backticks_or_formatting():
    assert mrkdwn_to_plain("run `make *all*` now") == "run make *all* now"
    assert mrkdwn_to_plain("```\nx = a_b_c * 2\n```") == "x = a_b_c * 2"


def test_links_inside_code_spans_are_rendered():
    assert mrkdwn_to_plain("see `<https://x.example|runbook>`") == "see runbook"


def test_private_use_characters_in_input_do_not_crash():
    assert mrkdwn_to_plain("\ue0009\ue001 <\ue0000\ue001>") == "\ue0009\ue001 \ue0000\ue001"


@pytest.mark.parametrize(("code", "glyph"), sorted(EMOJI.items()))
def test_known_emoji(code, glyph):
    assert mrkdwn_to_plain(f":{code}: x") == f"{glyph} x"


def test_spec_emoji_map():
    assert EMOJI["red_circle"] == "🔴"
    assert EMOJI["warning"] == "⚠️"
    assert EMOJI["white_circle"] == "⚪"


def test_unknown_emoji_and_clock_times_stay():
    assert mrkdwn_to_plain(":party_parrot: at 12:30:45") == ":party_parrot: at 12:30:45"


# --- blocks ---------------------------------------------------------------


def test_header_is_underlined_and_followed_directly():
    out = render(HeaderBlock(text="Weekly status"), SectionBlock(text=md("body")))
    assert out == "Weekly status\n=============\nbody\n"


def test_header_underline_counts_wide_emoji_as_two_columns():
    lines = render(HeaderBlock(text=":bar_chart: Status")).splitlines()
    assert lines[0] == "📊 Status"
    assert lines[1] == "=" * 9


def test_section_mrkdwn_and_plain_text():
    assert render(SectionBlock(text=md("*Acme* is <@U1|ann>'s"))) == "Acme is @ann's\n"
    assert render(SectionBlock(text=PlainTextObject(text="*not bold* :memo:"))) == "*not bold* 📝\n"


def test_section_button_accessory():
    block = SectionBlock(text=md("Ship docs"), accessory=ButtonElement(text="Complete", action_id="done"))
    assert render(block) == "Ship docs [Complete]\n"


def test_section_overflow_accessory():
    block = SectionBlock(text=md("Task"), accessory=overflow("Option A", "Option B"))
    assert render(block) == "Task [⋯ Option A | Option B]\n"


def test_section_select_accessory_shows_placeholder():
    select = StaticSelectElement(
        action_id="pick", placeholder="Choose owner", options=[Option(value="a", text="A")]
    )
    assert render(SectionBlock(text=md("Owner"), accessory=select)) == "Owner [Choose owner ▾]\n"


def test_fields_are_two_columns_with_padded_first_column():
    block = SectionBlock(
        fields=[md("*Project*"), md("Acme"), md("*Go-live date*"), md("Nov 14"), md("*Odd*")]
    )
    assert render(block).splitlines() == [
        "Project       Acme",
        "Go-live date  Nov 14",
        "Odd",
    ]


def test_multiline_fields_line_up():
    block = SectionBlock(text=md("Summary"), fields=[md("*Owner:*\n<@U1|al>"), md("*Status:*\nOn track")])
    assert render(block).splitlines() == ["Summary", "Owner:  Status:", "@al     On track"]


def test_fields_that_would_wrap_in_two_columns_are_stacked():
    block = SectionBlock(fields=[md("word " * 12), md("right")])
    lines = render(block, width=40).splitlines()
    assert lines == ["word word word word word word word word", "word word word word", "", "right"]


def test_context_joins_elements_with_dot_and_indents():
    block = ContextBlock(
        elements=[ImageElement(image_url="https://x/i.png", alt_text="logo"), md("by <@U2>"), md(":memo: note")]
    )
    assert render(block) == "  logo  ·  by @U2  ·  📝 note\n"


def test_consecutive_context_blocks_have_no_gap():
    out = render(ContextBlock(elements=[md("one")]), ContextBlock(elements=[md("two")]))
    assert out == "  one\n  two\n"


def test_divider_length():
    assert render(DividerBlock()) == "─" * 60 + "\n"
    assert render(DividerBlock(), width=20) == "─" * 20 + "\n"


def test_actions_buttons_overflow_and_select():
    select = StaticSelectElement(action_id="s", placeholder="Snooze for", options=[Option(value="1", text="1d")])
    block = ActionsBlock(
        elements=[
            ButtonElement(text="Complete", action_id="c", style="primary"),
            ButtonElement(text="Reassign", action_id="r"),
            overflow("Edit", "Delete"),
            select,
        ]
    )
    assert render(block) == "[Complete] [Reassign] [⋯ Edit | Delete] [Snooze for ▾]\n"


def test_blank_line_between_blocks():
    out = render(
        HeaderBlock(text="H"),
        SectionBlock(text=md("a")),
        DividerBlock(),
        ContextBlock(elements=[md("c")]),
        ActionsBlock(elements=[ButtonElement(text="Complete", action_id="c")]),
        width=5,
    )
    assert out == "H\n=\na\n\n─────\n\n  c\n\n[Complete]\n"


def test_rich_text_renders_its_plain_text():
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hi "},
                    {"type": "user", "user_id": "U1"},
                    {"type": "emoji", "name": "warning"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "item"}]}],
            },
        ],
    }
    assert render(block) == "Hi @U1⚠️\n• item\n"


@pytest.mark.parametrize(
    "block",
    [
        {"type": "brand_new_block", "payload": {"x": 1}},
        {"no_type": True},
        {"type": "section", "fields": "oops"},
        {"type": "actions", "elements": [{"type": "overflow", "options": ["bad"]}]},
        {"type": "header"},
        "not a dict",
        None,
    ],
)
def test_unknown_or_malformed_blocks_are_skipped(block):
    assert render_message([block, SectionBlock(text=md("still here")).to_dict()]) == "still here\n"


def test_unknown_block_with_obvious_text_is_shown():
    assert render({"type": "future", "text": {"type": "mrkdwn", "text": "*hi*"}}) == "hi\n"


def test_empty_blocks_fall_back_to_text():
    assert render_message([], "*Done* &amp; dusted <@U1|ann>") == "Done & dusted @ann\n"
    assert render_message([], None) == "\n"


def test_output_always_ends_with_newline():
    assert render(SectionBlock(text=md("x"))).endswith("x\n")


def test_long_section_wraps_at_width():
    lines = render(SectionBlock(text=md("alpha " * 30)), width=30).splitlines()
    assert len(lines) > 1
    assert all(len(line) <= 30 for line in lines)


def test_wrapped_context_keeps_indent():
    lines = render(ContextBlock(elements=[md("word " * 30)]), width=30).splitlines()
    assert len(lines) > 1
    assert all(line.startswith("  word") and len(line) <= 30 for line in lines)


def test_wrapping_never_splits_button_labels():
    buttons = [ButtonElement(text=f"Mark step {n} done", action_id=str(n)) for n in range(5)]
    lines = render(ActionsBlock(elements=buttons), width=40).splitlines()
    assert len(lines) > 1
    for line in lines:
        assert line.startswith("[Mark step") and line.endswith("done]")


def test_long_url_is_not_broken():
    url = "https://example.com/" + "a" * 80
    assert url in render(SectionBlock(text=md(f"<{url}>")), width=40)
