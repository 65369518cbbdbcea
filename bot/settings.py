"""Settings read from environment variables.

A missing or malformed setting stops start-up with one line that names it
(`SettingsError`), never a traceback.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.health.rules import HealthThresholds
from store.rules.escalation import EscalationPolicy, parse_escalation_days
from store.rules.sla import SlaPolicy, parse_levels, parse_quiet_hours, parse_working_hours

DEFAULT_TEAM_ID = "T0ACME"
# The bot scopes manifest.yml declares (tests/test_oauth.py keeps the two in step).
# files:write: charts attached to digests and /delivery trends (manifest.yml).
DEFAULT_SCOPES = "commands,chat:write,im:write,users:read,users:read.email,files:write"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = "sqlite:///delivery.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # OAuth (several workspaces): on when both the client id and secret are set.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = DEFAULT_SCOPES
    slack_install_redirect_uri: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    delivery_timezone: str = "UTC"
    # The workspace whose data a single-workspace deployment serves.
    delivery_team_id: str = DEFAULT_TEAM_ID
    # Where "Flag for Customer Org" posts its notes (a channel id such as C0CUSTORG).
    delivery_customer_org_channel: str | None = None
    # Where ops hear about digests Slack refused (else a DM to each ops person).
    delivery_admin_channel: str | None = None
    # A /delivery answer not ready within this many seconds is acknowledged with a short note and
    # follows through the response_url (Slack drops commands not acknowledged within 3 s).
    delivery_answer_budget_seconds: float = Field(default=1.5, ge=0, le=2.5)
    # Store reads and changes a process runs at once; more wait their turn (see store/workspace.py).
    delivery_store_concurrency: int = Field(default=2, ge=1, le=64)
    # While new work after an ack (a click's change, a /delivery answer) would take longer than this
    # to be done, it is refused with "busy, try again" instead of queueing (handlers/after_ack.py).
    delivery_busy_after_seconds: float = Field(default=10, ge=1, le=300)
    # A digest run missed while the bot was down is sent late within this many minutes.
    delivery_digest_grace_minutes: int = Field(default=120, ge=0)
    # Posts a second to one workspace across the process's digest senders (0: no workspace-wide limit;
    # the per-channel pace of one a second and Slack's 429s still hold). See messages/pacing.py.
    delivery_posts_per_second: float = Field(default=8.0, ge=0)
    # Threads posting digests at once in each scheduler (they mostly wait on Slack).
    delivery_digest_senders: int = Field(default=16, ge=1, le=64)
    # Health rule thresholds (docs/metrics.md).
    delivery_blocked_days: int = Field(default=3, ge=1)
    delivery_milestone_window_days: int = Field(default=7, ge=1)
    delivery_milestone_min_done_share: float = Field(default=0.5, gt=0, le=1)
    delivery_engagement_window_days: int = Field(default=14, ge=1)
    delivery_engagement_min_ratio: float = Field(default=0.5, gt=0, le=1)
    delivery_overdue_tickets_max: int = Field(default=2, ge=0)
    delivery_budget_overrun_max: float = Field(default=0.10, ge=0)
    # SLA warnings (store/rules/sla.py): the thresholds before the breach, in percent of each ticket's
    # SLA, and the working hours that count towards it in DELIVERY_TIMEZONE (empty: every hour counts).
    delivery_sla_warn_at: str = "50,75"
    delivery_sla_working_hours: str = ""
    # Warnings are not sent by DM in these local hours of each reader (empty: at any hour).
    delivery_quiet_hours: str = "20:00-08:00"
    # SLA warning posts a channel gets in an hour; beyond, one summary message lists the rest.
    delivery_channel_warnings_per_hour: int = Field(default=6, ge=1, le=100)
    # The escalation ladder (store/rules/escalation.py): the days blocked at which a deliverable's owner is
    # told by DM, then the service's lead, then the channels subscribed to `escalations`.
    delivery_escalation_days: str = "2,4,6"

    @field_validator("delivery_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (for example Europe/London)") from None
        return value

    @field_validator("delivery_sla_warn_at")
    @classmethod
    def _readable_levels(cls, value: str) -> str:
        parse_levels(value)
        return value

    @field_validator("delivery_sla_working_hours")
    @classmethod
    def _readable_working_hours(cls, value: str) -> str:
        parse_working_hours(value, ZoneInfo("UTC"))
        return value

    @field_validator("delivery_quiet_hours")
    @classmethod
    def _readable_quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("delivery_escalation_days")
    @classmethod
    def _readable_escalation_days(cls, value: str) -> str:
        parse_escalation_days(value)
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
        if not value or not value.isalnum() or value[0] not in "TE":
            raise ValueError(f"{value!r} is not a Slack team id (like T0123ABCD)")
        return value

    @field_validator("slack_scopes")
    @classmethod
    def _scope_list(cls, value: str) -> str:
        scopes = [scope.strip() for scope in value.split(",") if scope.strip()]
        if not scopes:
            raise ValueError("list at least one bot scope, comma-separated (for example commands,chat:write)")
        return ",".join(scopes)

    @field_validator("slack_install_redirect_uri")
    @classmethod
    def _redirect_is_https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an http(s) URL (Slack wants https://YOUR-HOST/slack/oauth_redirect)")
        return value

    @model_validator(mode="after")
    def _oauth_is_all_or_nothing(self) -> Settings:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_secret is None else "SLACK_CLIENT_ID"
            raise ValueError(
                f"{missing} is not set: the OAuth install flow needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(Basic Information page), or neither for a single workspace"
            )
        return self

    @property
    def oauth_enabled(self) -> bool:
        """Several workspaces install the app through Slack's OAuth flow."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def scopes(self) -> list[str]:
        return self.slack_scopes.split(",")

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
            budget_overrun_max=self.delivery_budget_overrun_max,
        )

    @property
    def sla_policy(self) -> SlaPolicy:
        return SlaPolicy(levels=parse_levels(self.delivery_sla_warn_at),
                         hours=parse_working_hours(self.delivery_sla_working_hours, self.timezone),
                         catch_up=timedelta(minutes=self.delivery_digest_grace_minutes),
                         quiet=parse_quiet_hours(self.delivery_quiet_hours),
                         channel_posts_per_hour=self.delivery_channel_warnings_per_hour)

    @property
    def escalation_policy(self) -> EscalationPolicy:
        return EscalationPolicy(days=parse_escalation_days(self.delivery_escalation_days))

    def require(self, *names: str, purpose: str) -> None:
        """Raise SettingsError naming the first of `names` that is unset."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set: {purpose} needs it")

    def required_value(self, name: str, *, purpose: str) -> str:
        """The text of setting `name` (a secret's value for a secret); SettingsError naming it when unset."""
        self.require(name, purpose=purpose)
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, str):
            return value
        raise TypeError(f"{name} is not a text setting")


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:
            # A rule across settings names them itself.
            raise SettingsError(reason) from None
        raise SettingsError(f"{str(first['loc'][0]).upper()}: {reason}") from None
