"""Settings read from environment variables.

A missing or malformed setting stops start-up with one line that names it
(`SettingsError`), never a traceback.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.rules.health import HealthThresholds

DEFAULT_TEAM_ID = "T0ACME"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = "sqlite:///delivery.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=1, le=65535)
    delivery_timezone: str = "UTC"
    # The workspace whose data a single-workspace deployment serves.
    delivery_team_id: str = DEFAULT_TEAM_ID
    # Where "Flag for Customer Org" posts its notes (a channel id such as C0CUSTORG).
    delivery_customer_org_channel: str | None = None
    # Where ops hear about digests Slack refused (else a DM to each ops person).
    delivery_admin_channel: str | None = None
    # A digest run missed while the bot was down is sent late within this many minutes.
    delivery_digest_grace_minutes: int = Field(default=120, ge=0)
    # Health rule thresholds (docs/metrics.md).
    delivery_blocked_days: int = Field(default=3, ge=1)
    delivery_milestone_window_days: int = Field(default=7, ge=1)
    delivery_milestone_min_done_share: float = Field(default=0.5, gt=0, le=1)
    delivery_engagement_window_days: int = Field(default=14, ge=1)
    delivery_engagement_min_ratio: float = Field(default=0.5, gt=0, le=1)
    delivery_overdue_tickets_max: int = Field(default=2, ge=0)

    @field_validator("delivery_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (for example Europe/London)") from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _http_url_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb- (OAuth & Permissions page)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp- (Basic Information page)")
        return value

    @field_validator("delivery_team_id")
    @classmethod
    def _team_id_shape(cls, value: str) -> str:
        if not value or not value.isalnum() or not value[0] in "TE":
            raise ValueError(f"{value!r} is not a Slack team id (like T0123ABCD)")
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.delivery_timezone)

    @property
    def health_thresholds(self) -> HealthThresholds:
        return HealthThresholds(
            blocked_days=self.delivery_blocked_days,
            milestone_window_days=self.delivery_milestone_window_days,
            milestone_min_done_share=self.delivery_milestone_min_done_share,
            engagement_window_days=self.delivery_engagement_window_days,
            engagement_min_ratio=self.delivery_engagement_min_ratio,
            overdue_tickets_max=self.delivery_overdue_tickets_max,
        )

    def require(self, *names: str, purpose: str) -> None:
        """Raise SettingsError naming the first of `names` that is unset."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set: {purpose} needs it")


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        reason = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {reason}") from None
