"""Parse the text after `/delivery` into a typed command.

Shared by the slash command listener and `delivery-bot ask`, so both agree on
what is valid input.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Subcommand(StrEnum):
    HELP = "help"
    STATUS = "status"


HELP_WORDS = {"", "help", "-h", "--help", "?"}


class DeliveryCommand(BaseModel):
    model_config = ConfigDict(frozen=True)

    subcommand: Subcommand
    argument: str = ""


class UsageError(ValueError):
    """The text is not a command we know; the message says what was wrong."""


def parse_command(text: str) -> DeliveryCommand:
    words = (text or "").strip().split(maxsplit=1)
    head = words[0].lower() if words else ""
    argument = words[1].strip() if len(words) > 1 else ""
    if head in HELP_WORDS:
        return DeliveryCommand(subcommand=Subcommand.HELP)
    if head == Subcommand.STATUS:
        if argument:
            raise UsageError(
                f"I can't show a single service yet ('{argument}'). "
                "`/delivery status` on its own shows the whole portfolio."
            )
        return DeliveryCommand(subcommand=Subcommand.STATUS)
    raise UsageError(f"I don't know '/delivery {text.strip()}'.")
