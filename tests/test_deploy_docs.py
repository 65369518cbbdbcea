"""docs/deploy.md and the Dockerfile name only commands and settings that exist."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from bot.cli import _parser
from bot.settings import Settings
from bot.web import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "docs" / "deploy.md"
DOCKERFILE = ROOT / "Dockerfile"

# `delivery-bot serve`, `delivery-bot db upgrade`: the program name followed by words (not
# `delivery-bot:latest`, the image, nor a path such as `/delivery-bot`).
INVOCATION = re.compile(r"(?<![\w:/.-])delivery-bot((?: [a-z][a-z-]*){1,2})")
# Environment variables: upper-case words with an underscore, in backticks (`DATABASE_URL`).
VARIABLE = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def code_spans(markdown: str) -> list[str]:
    """The text of inline `code` and of fenced code blocks: where commands are written."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", markdown, flags=re.S)
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def invocations(text: str) -> list[list[str]]:
    return [m.group(1).split() for m in INVOCATION.finditer(text)]


def test_every_command_in_the_deploy_guide_is_a_real_subcommand():
    commands = subcommands(_parser())
    found = [words for span in code_spans(DEPLOY.read_text()) for words in invocations(span)]
    assert len(found) >= 8, found
    for words in found:
        assert words[0] in commands, f"docs/deploy.md names `delivery-bot {' '.join(words)}`: no such command"
        actions = subcommands(commands[words[0]])
        if actions:
            assert len(words) > 1 and words[1] in actions, \
                f"docs/deploy.md names `delivery-bot {' '.join(words)}`: {words[0]} takes one of {sorted(actions)}"


def test_the_dockerfile_runs_a_command_line_the_cli_accepts_and_checks_healthz():
    text = DOCKERFILE.read_text()
    (cmd,) = [json.loads(line.removeprefix("CMD")) for line in text.splitlines() if line.startswith("CMD ")]
    assert cmd[0] == "delivery-bot"
    args = _parser().parse_args(cmd[1:])
    assert args.command == "serve" and args.host == "0.0.0.0"
    assert HEALTH_PATH in text and "HEALTHCHECK" in text
    (exposed,) = re.findall(r"^EXPOSE (\d+)$", text, flags=re.M)
    assert f"ENV PORT={exposed}" in text


def test_every_variable_in_the_deploy_guide_is_a_setting_or_in_the_readme():
    known = {name.upper() for name in Settings.model_fields} | set(VARIABLE.findall((ROOT / "README.md").read_text()))
    named = set(VARIABLE.findall(DEPLOY.read_text()))
    assert {"DATABASE_URL", "SLACK_SIGNING_SECRET", "LOG_LEVEL", "DELIVERY_TIMEZONE"} <= named
    assert named - known == set(), "docs/deploy.md names variables nothing reads"
