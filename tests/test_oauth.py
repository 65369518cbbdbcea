"""Several workspaces through Slack's OAuth install flow, end to end.

`delivery-bot serve` runs in OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set) against
the fake Slack Web API: workspaces install through /slack/install and /slack/oauth_redirect,
then each is served its own data only, with requests signed as Slack signs them.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import DATABASE_KINDS, temporary_database
from served_app import SIGNING_SECRET, served
from served_demo import row_menu
from slack_signing import FORM_CONTENT_TYPE, interactive_body, load_payload, signed_headers, slash_command_body
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from support import UTC, load_demo_at

from bot.app import slack_credentials
from bot.scheduler import TeamsDigestTicker
from bot.settings import DEFAULT_SCOPES, SettingsError, load_settings
from bot.workspaces import Workspaces, installation_store, posting_teams
from store.clock import FixedClock, SystemClock
from store.db import make_engine
from store.demo.synthetic import load_synthetic
from store.enums import DeliverableStatus
from store.models import Deliverable, StatusChange, slack_bots, slack_installations, slack_oauth_states
from store.schema import upgrade

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-test-secret"
STATE_COOKIE = "slack-app-oauth-state"

ONE, TWO, NEW, NONE = "T0ONE", "T0TWO", "T0NEW", "T0NONE"
TOKENS = {ONE: "xoxb-one-token", TWO: "xoxb-two-token", NEW: "xoxb-new-token"}
DEMO_HEADLINE = "15 active services. 12 on track, 2 need attention, 1 at risk."
# Users of each team's portfolio: Ryan leads Delta Corp in the demo (T0ONE); U00000002 is
# an ops person of the synthetic portfolio (T0TWO), so T0TWO lets them change anything of T0TWO's.
RYAN, TWO_OPS = "U0RYAN", "U00000002"


class OAuthApp:
    def __init__(self, base: str, engine):
        self.base = base
        self.engine = engine


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def app(request, slack, tmp_path_factory):
    """OAuth mode over one database: T0ONE holds the demo, T0TWO a synthetic portfolio, T0NEW nothing."""
    with temporary_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        engine = make_engine(url)
        upgrade(engine)
        now = datetime.now(timezone.utc)
        load_demo_at(engine, now, team_id=ONE)
        load_synthetic(engine, team_id=TWO, now=now, tz=UTC, services=3, force=True)
        try:
            with served(url, slack.api_url, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET) as base:
                yield OAuthApp(base, engine)
        finally:
            engine.dispose()


@pytest.fixture(autouse=True)
def workspaces_in_slack(slack):
    """A fresh fake Slack that knows the three workspaces, their codes and the app's credentials."""
    slack.reset()
    slack.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    for team, token in TOKENS.items():
        slack.add_workspace(team, token, code=f"code-{team}", team_name=f"Team {team}")


# -- helpers -------------------------------------------------------------------


def open_install(app: OAuthApp) -> tuple[requests.Response, str, dict]:
    """GET /slack/install: the response, the Slack authorize URL it links to, and that URL's query."""
    page = requests.get(f"{app.base}/slack/install", timeout=10)
    (href,) = re.findall(r'<a href="([^"]+)"', page.text)
    url = html.unescape(href)
    return page, url, parse_qs(urlsplit(url).query)


def come_back(app: OAuthApp, *, code: str, state: str, cookie: str | None = None) -> requests.Response:
    """The installer's browser returning from Slack to /slack/oauth_redirect."""
    headers = {"Cookie": f"{STATE_COOKIE}={cookie or state}"}
    return requests.get(f"{app.base}/slack/oauth_redirect", params={"code": code, "state": state},
                        headers=headers, timeout=10)


def install(app: OAuthApp, team: str) -> requests.Response:
    _, _, query = open_install(app)
    return come_back(app, code=f"code-{team}", state=query["state"][0])


def bots_of(app: OAuthApp, team: str) -> list[tuple[str, str]]:
    with Session(app.engine) as session:
        return session.execute(select(slack_bots.c.client_id, slack_bots.c.bot_token)
                               .where(slack_bots.c.team_id == team)).all()


def post(app: OAuthApp, body: bytes) -> requests.Response:
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE)
    return requests.post(f"{app.base}/slack/events", data=body, headers=headers, timeout=10)


def command(app: OAuthApp, slack, text: str, *, team: str, user: str) -> requests.Response:
    body = slash_command_body(text, team_id=team, team_domain=team.lower(), user_id=user, user_name=user.lower(),
                              response_url=slack.response_url(f"{team}-{user}"))
    return post(app, body)


def text_of(reply: dict) -> str:
    return json.dumps(reply.get("blocks", []), ensure_ascii=False)


def overflow_click(menu: dict, block_id: str, label: str, *, team: str, user: str, response_url: str) -> bytes:
    """block_actions for a row menu of an ephemeral answer, as Slack sends it from workspace `team`."""
    (chosen,) = [o for o in menu["options"] if o["text"]["text"] == label]
    payload = copy.deepcopy(load_payload("block_actions_overflow.json"))
    payload["team"] = {"id": team, "domain": team.lower()}
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}
    payload["response_url"] = response_url
    payload["actions"] = [{"type": "overflow", "action_id": menu["action_id"], "block_id": block_id,
                           "selected_option": chosen, "action_ts": "1732262470.654321"}]
    return interactive_body(payload)


def deliverable_and_audit(app: OAuthApp, name: str, team: str) -> tuple[tuple, int]:
    with Session(app.engine) as session:
        row = session.scalars(select(Deliverable).where(Deliverable.name == name, Deliverable.team_id == team)).one()
        audit = session.scalar(select(func.count()).where(StatusChange.object_type == "deliverable",
                                                          StatusChange.object_id == row.id))
        return (row.id, row.status, row.version, row.blocked_since), audit


# -- the install flow ------------------------------------------------------------


def test_install_page_links_to_slacks_authorize_url_with_a_stored_state(app):
    page, url, query = open_install(app)
    assert page.status_code == 200
    assert url.startswith("https://slack.com/oauth/v2/authorize?")
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == DEFAULT_SCOPES.split(",")
    (state,) = query["state"]
    assert f"{STATE_COOKIE}={state};" in page.headers["Set-Cookie"], "the browser is tied to its state"
    with Session(app.engine) as session:
        assert session.scalar(select(func.count()).where(slack_oauth_states.c.state == state)) == 1


def test_coming_back_with_code_and_state_stores_the_installation_once(app, slack):
    _, _, query = open_install(app)
    state = query["state"][0]
    done = come_back(app, code=f"code-{ONE}", state=state)
    assert done.status_code == 200, done.text
    (exchange,) = slack.calls_to("oauth.v2.access")
    assert exchange.params["code"] == f"code-{ONE}"
    assert exchange.headers["authorization"].startswith("Basic "), "the app authenticates with id and secret"
    assert [c.token for c in slack.calls_to("auth.test")] == [TOKENS[ONE]]
    assert bots_of(app, ONE)[-1] == (CLIENT_ID, TOKENS[ONE])
    with Session(app.engine) as session:
        installed = session.execute(select(slack_installations.c.team_name, slack_installations.c.user_id)
                                    .where(slack_installations.c.team_id == ONE)).all()
    assert installed[-1] == (f"Team {ONE}", f"U{ONE}ADMIN")

    # A state works once: the same link again is refused and Slack is not asked again.
    slack.add_workspace(ONE, TOKENS[ONE], code="code-again")
    again = come_back(app, code="code-again", state=state)
    assert again.status_code == 401
    assert len(slack.calls_to("oauth.v2.access")) == 1


def test_an_unknown_or_expired_state_or_another_browsers_state_is_refused(app, slack):
    before = bots_of(app, NEW)
    unknown = come_back(app, code=f"code-{NEW}", state="not-a-state-we-issued")
    assert unknown.status_code == 401

    expired = "expired-state-0001"
    with Session(app.engine) as session, session.begin():
        session.execute(insert(slack_oauth_states).values(
            state=expired, expire_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    assert come_back(app, code=f"code-{NEW}", state=expired).status_code == 401

    _, _, query = open_install(app)
    stolen = come_back(app, code=f"code-{NEW}", state=query["state"][0], cookie="someone-elses-state")
    assert stolen.status_code == 400, "a state only counts in the browser it was issued to"

    assert slack.calls_to("oauth.v2.access") == [], "Slack is never asked with a refused state"
    assert bots_of(app, NEW) == before


def test_a_code_slack_does_not_know_installs_nothing(app, slack):
    _, _, query = open_install(app)
    refused = come_back(app, code="made-up-code", state=query["state"][0])
    assert refused.status_code == 401
    (exchange,) = slack.calls_to("oauth.v2.access")
    assert exchange.response == {"ok": False, "error": "invalid_code"}
    assert bots_of(app, "T0MADEUP") == []


# -- each workspace sees its own data ---------------------------------------------


def test_each_installed_workspace_sees_only_its_own_portfolio(app, slack):
    assert install(app, ONE).status_code == 200
    assert install(app, TWO).status_code == 200

    one = command(app, slack, "status", team=ONE, user=RYAN).json()
    assert one["text"].startswith(DEMO_HEADLINE)
    assert "Delta Corp" in text_of(one) and "Analytics" not in text_of(one)

    two = command(app, slack, "status", team=TWO, user=TWO_OPS).json()
    assert two["blocks"][0]["text"]["text"].startswith("3 active services.")
    assert "Delta Corp" not in text_of(two)

    # A service of the other workspace is not found, even by its exact name.
    assert "No service matches" in text_of(command(app, slack, "status Delta Corp", team=TWO, user=TWO_OPS).json())
    assert "No service matches" in text_of(command(app, slack, "status Acorn", team=ONE, user=RYAN).json())
    assert "Acorn Analytics" in text_of(command(app, slack, "status Acorn", team=TWO, user=TWO_OPS).json())

    # Each workspace's requests were authorized with its own bot token.
    tokens = {c.token for c in slack.calls_to("auth.test")}
    assert tokens == {TOKENS[ONE], TOKENS[TWO]}


def test_a_click_from_another_workspace_cannot_change_this_workspaces_deliverable(app, slack):
    install(app, ONE)
    install(app, TWO)
    card = command(app, slack, "status Delta Corp", team=ONE, user=RYAN).json()
    menu, block_id = row_menu(card, "SSO integration")
    before = deliverable_and_audit(app, "SSO integration", ONE)
    assert before[0][1] == DeliverableStatus.BLOCKED

    # T0TWO's ops person sends the T0ONE menu's value (a T0ONE deliverable id) from T0TWO.
    slack.reset()
    slack.add_workspace(TWO, TOKENS[TWO])
    post(app, overflow_click(menu, block_id, "Unblock", team=TWO, user=TWO_OPS,
                             response_url=slack.response_url("forged")))
    (told,) = slack.wait_for("response_url")
    assert told.params["text"] == "That deliverable no longer exists. Nothing was changed."
    assert told.params["replace_original"] is False
    assert deliverable_and_audit(app, "SSO integration", ONE) == before, "row and audit unchanged"
    assert slack.calls_to("chat.update") == []


def test_a_request_from_a_workspace_that_never_installed_gets_no_data(app, slack):
    response = command(app, slack, "status", team=NONE, user="U0STRANGER")
    assert response.status_code == 200
    assert response.text == "", "no answer in the HTTP response"
    (told,) = slack.wait_for("response_url")
    assert "install" in told.params["text"].lower()
    assert "active services" not in json.dumps(told.params) and "Delta" not in json.dumps(told.params)
    assert slack.calls_to("auth.test") == [], "no token was found, so none was tried"


def test_a_newly_installed_workspace_gets_a_friendly_empty_status(app, slack):
    assert install(app, NEW).status_code == 200
    reply = command(app, slack, "status", team=NEW, user="U0NEWBIE").json()
    assert reply["blocks"][0]["text"]["text"] == "No active services in this workspace yet."
    assert "delivery-bot import" in text_of(reply)
    assert "Delta" not in text_of(reply) and "Analytics" not in text_of(reply)


# -- settings and digests ------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
                 "SLACK_SCOPES", "SLACK_INSTALL_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("given, missing", [({"SLACK_CLIENT_ID": CLIENT_ID}, "SLACK_CLIENT_SECRET"),
                                            ({"SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_CLIENT_ID")])
def test_half_configured_oauth_stops_with_one_line_naming_what_is_missing(clean_environment, monkeypatch,
                                                                          given, missing):
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"{missing} is not set: the OAuth install flow needs both")
    assert "\n" not in str(raised.value)


def test_oauth_mode_needs_the_signing_secret_but_no_bot_token(clean_environment):
    settings = load_settings(slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)
    assert settings.oauth_enabled and settings.slack_bot_token is None
    with pytest.raises(SettingsError, match="^SLACK_SIGNING_SECRET is not set: HTTP mode needs it$"):
        slack_credentials(settings, purpose="HTTP mode")
    with_secret = load_settings(slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                                slack_signing_secret="s3cret")
    assert slack_credentials(with_secret, purpose="HTTP mode").signing_secret == "s3cret"
    assert load_settings(slack_scopes=" commands, chat:write ").scopes == ["commands", "chat:write"]


def test_default_scopes_are_the_manifests_bot_scopes():
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text())
    assert DEFAULT_SCOPES.split(",") == manifest["oauth_config"]["scopes"]["bot"]


NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 November 2026, 08:31 in New York: the demo's at-risk digest (08:30) is due.
MONDAY_0831 = datetime(2026, 11, 23, 8, 31, tzinfo=NEW_YORK)


def test_the_scheduler_posts_each_installed_teams_digests_with_that_teams_token(engine, fake_slack):
    from slack_sdk.oauth.installation_store import Installation

    before = MONDAY_0831.astimezone(timezone.utc) - timedelta(minutes=1)
    for team in (ONE, TWO, NONE):
        load_demo_at(engine, before, NEW_YORK, team_id=team, force=True)
    settings = load_settings(slack_api_url=fake_slack.api_url, slack_client_id=CLIENT_ID,
                             slack_client_secret=CLIENT_SECRET, delivery_timezone="America/New_York")
    store = installation_store(settings, engine)
    for team in (ONE, TWO):  # T0NONE has digests but never installed
        store.save(Installation(app_id="A0DELIVERY", team_id=team, bot_token=TOKENS[team], bot_id=f"B{team}",
                                bot_user_id=f"U{team}BOT", user_id=f"U{team}ADMIN"))

    teams = posting_teams(Workspaces(settings, engine, SystemClock()), store)
    assert [(t.workspace.team_id, t.token) for t in teams] == [(ONE, TOKENS[ONE]), (TWO, TOKENS[TWO])]

    TeamsDigestTicker(settings, engine, FixedClock(MONDAY_0831.astimezone(timezone.utc))).tick()
    at_risk = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == "C0OPS"]
    assert sorted(c.token for c in at_risk) == sorted([TOKENS[ONE], TOKENS[TWO]]), "once per installed team"
    assert all("Delta Corp" in json.dumps(c.params["blocks"]) for c in at_risk)
    assert {c.token for c in fake_slack.calls_to("chat.postMessage")} == {TOKENS[ONE], TOKENS[TWO]}


def test_a_request_is_given_its_own_teams_workspace_and_never_another_teams(engine):
    from slack_bolt import BoltContext
    from slack_bolt.authorization import AuthorizeResult

    settings = load_settings(slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, delivery_team_id=ONE,
                             delivery_admin_channel="C0ADMIN", delivery_customer_org_channel="C0CUSTORG")
    workspaces = Workspaces(settings, engine, SystemClock())

    def request(team: str | None, authorized_as: str | None) -> BoltContext:
        context = BoltContext(team_id=team)
        if authorized_as is not None:
            context.set_authorize_result(AuthorizeResult(enterprise_id=None, team_id=authorized_as,
                                                         bot_token=f"xoxb-{authorized_as}"))
        return context

    two = workspaces.for_request(request(TWO, TWO))
    assert two.team_id == TWO and workspaces.for_request(request(TWO, TWO)) is two, "one Workspace per team"
    assert workspaces.for_request(request(ONE, ONE)).team_id == ONE
    assert workspaces.for_request(request(None, ONE)) is None, "no team id: no workspace"
    assert workspaces.for_request(request(TWO, None)) is None, "not authorized: no workspace"
    assert workspaces.for_request(request(TWO, ONE)) is None, "authorized for another team: no workspace"
    # The deployment's channel settings are DELIVERY_TEAM_ID's; other workspaces have none.
    assert workspaces.settings_for(ONE).delivery_admin_channel == "C0ADMIN"
    assert workspaces.settings_for(TWO).delivery_admin_channel is None
    assert workspaces.settings_for(TWO).delivery_customer_org_channel is None


def test_digest_send_posts_with_the_named_teams_own_token(engine, fake_slack, monkeypatch, capsys):
    from slack_sdk.oauth.installation_store import Installation

    from bot.cli import EXIT_FAILED, main

    load_demo_at(engine, datetime.now(timezone.utc), team_id=TWO, force=True)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = load_settings()
    installation_store(settings, engine).save(Installation(
        app_id="A0DELIVERY", team_id=TWO, bot_token=TOKENS[TWO], bot_id=f"B{TWO}", user_id=f"U{TWO}ADMIN"))

    assert main(["digest", "send", "at-risk", "--channel", "C0TWOOPS", "--team", TWO]) == 0
    (posted,) = fake_slack.calls_to("chat.postMessage")
    assert posted.token == TOKENS[TWO] and posted.params["channel"] == "C0TWOOPS"
    assert "Delta Corp" in json.dumps(posted.params["blocks"])

    assert main(["digest", "send", "at-risk", "--channel", "C0OPS", "--team", NONE]) == EXIT_FAILED
    assert f"team {NONE} has not installed the app" in capsys.readouterr().err
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
