"""`delivery-bot`: the command line.

Exit codes: 0 done; 1 the work failed (a refused demo load, an old schema, a bad
reply); 2 the command line or a setting is wrong (one line on stderr says which).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.settings import Settings, SettingsError, load_settings
from store.enums import DeliveryStatus, DigestKind

DIGEST_KINDS = tuple(DigestKind)

EXIT_FAILED = 1
EXIT_USAGE = 2


class CliFailure(Exception):
    """The command could not do its work; the message is the one-line reason."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="delivery-bot", description="Delivery status in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="load the demo portfolio and print /delivery status")
    demo.add_argument("--force", action="store_true", help="replace this workspace's data even if it is not demo data")
    demo.add_argument("--quiet", action="store_true", help="load without printing the status answer")
    demo.add_argument("--services", type=_positive, default=None, metavar="N",
                      help="load a generated portfolio of N services with the demo's shape instead")

    ask = sub.add_parser("ask", help="run /delivery <text> locally and print the reply")
    ask.add_argument("--user", default=None, metavar="SLACK_USER_ID", help="who is asking (default U0LOCAL)")
    ask.add_argument("--explain", action="store_true", help="say how each figure in the answer is computed")
    ask.add_argument("--charts", default=None, metavar="DIR",
                     help="write the answer's charts (PNG) into DIR and print their paths and alt text")
    ask.add_argument("text", nargs="*", help="what you would type after /delivery")

    for name, help_text in (("serve", "serve HTTP mode for Slack"),
                            ("run", "Socket Mode if SLACK_APP_TOKEN is set, else HTTP")):
        server = sub.add_parser(name, help=help_text)
        server.add_argument("--port", type=int, default=None, help="listen port (default PORT or 3000)")
        server.add_argument("--host", default="0.0.0.0", help="listen address (default 0.0.0.0)")
        server.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
        server.add_argument("--threads", type=int, default=32,
                            help="threads per worker (default 32): a request holds one until its ack")

    sub.choices["run"].add_argument("--no-scheduler", action="store_true", help="do not send scheduled digests")
    sub.add_parser("scheduler", help="run the digest scheduler alone")

    digest = sub.add_parser("digest", help="digests: preview, send one now, or run what is due")
    digest_sub = digest.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    preview = digest_sub.add_parser("preview", help="print a digest as text")
    preview.add_argument("kind", choices=[k.value for k in DIGEST_KINDS])
    preview.add_argument("--user", default=None, metavar="SLACK_USER_ID", help="whose personal digest")
    send = digest_sub.add_parser("send", help="post a digest now (ad hoc, not a scheduled delivery)")
    send.add_argument("kind", choices=[k.value for k in DIGEST_KINDS])
    send.add_argument("--channel", required=True, metavar="ID")
    send.add_argument("--user", default=None, metavar="SLACK_USER_ID", help="whose personal digest")
    send.add_argument("--no-charts", action="store_true", help="post the text only, without the digest's charts")
    run_due = digest_sub.add_parser("run-due", help="send every digest due at an instant, as the scheduler would")
    run_due.add_argument("--at", type=_instant, default=None, metavar="ISO-8601",
                         help="the instant (default now), for example 2026-11-23T08:31:00-05:00")
    ledger = digest_sub.add_parser("deliveries", help="list the delivery ledger: what was sent, failed or uncertain")
    ledger.add_argument("--status", action="append", default=[], choices=[s.value for s in DeliveryStatus],
                        help="only these outcomes (repeatable)")
    ledger.add_argument("--period", default=None, metavar="YYYY-MM-DD", help="only this day's runs")
    for action in (preview, send, run_due, ledger):
        action.add_argument("--team", default=None, metavar="TEAM_ID",
                            help="whose digests (default DELIVERY_TEAM_ID; with OAuth, run-due defaults to every "
                                 "installed team)")

    importer = sub.add_parser("import", help="import CSV files (one per kind) from a file or folder; all or nothing")
    importer.add_argument("path", help="a CSV file or a folder of them (customers.csv, services.csv, ...)")
    importer.add_argument("--kind", default=None, help="the kind of a single file whose name does not say it")
    importer.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    exporter = sub.add_parser("export", help="write the portfolio as CSV files, one per kind, into a folder")
    exporter.add_argument("folder")

    people = sub.add_parser("people", help="people: link Person rows to Slack users")
    people_sub = people.add_subparsers(dest="people_command", required=True, metavar="ACTION")
    people_sub.add_parser("sync", help="match people to Slack users by email (users.list) and fill in ids and zones")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply pending migrations")
    db_sub.add_parser("current", help="print the schema revision")
    return parser


def _instant(text: str):
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an ISO-8601 instant like 2026-11-23T08:31:00-05:00"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _engine(settings: Settings):
    from store.db import make_engine

    return make_engine(settings.database_url)


def _schema_ready(engine, *, apply: bool, writable: bool = True) -> None:
    """Refuse in one line a database that cannot be opened (or written, when `writable`), or whose
    schema is not this code's."""
    from store.db import DatabaseUnavailable, check_reachable, is_sqlite
    from store.schema import SchemaOutOfDate, ensure_schema

    try:
        check_reachable(engine, writable=writable)
    except DatabaseUnavailable as problem:
        raise CliFailure(str(problem)) from None
    try:
        # The embedded SQLite default upgrades itself; a shared database is upgraded
        # once, on purpose, by `db upgrade` at deploy time.
        ensure_schema(engine, apply=apply or is_sqlite(engine))
    except SchemaOutOfDate as problem:
        raise CliFailure(str(problem)) from None


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from store.bulk import after_bulk_load
    from store.clock import SystemClock
    from store.demo import DemoRefused, load_demo
    from store.demo.synthetic import load_synthetic

    engine = _engine(settings)
    _schema_ready(engine, apply=True)
    where = dict(team_id=settings.delivery_team_id, now=SystemClock().now(), tz=settings.timezone, force=args.force)
    try:
        if args.services:
            # Given the engine, it commits the load, vacuums what it wrote (PostgreSQL) and
            # refreshes the engagement tallies and kept health.
            loaded = load_synthetic(engine, services=args.services, limits=settings.health_thresholds, **where)
        else:
            with Session(engine) as session, session.begin():
                loaded = load_demo(session, **where)
            after_bulk_load(engine, settings.delivery_team_id, tables=(), now=where["now"], tz=settings.timezone,
                            limits=settings.health_thresholds)
    except DemoRefused as problem:
        raise CliFailure(str(problem)) from None
    what = f"a generated portfolio of {args.services} services" if args.services else "the demo portfolio"
    print(f"Loaded {what} into {engine.url.render_as_string()} ({loaded.rows} rows).", file=sys.stderr)
    if args.quiet:
        return 0
    return _print_answer(settings, "status", None, engine)


def _print_answer(settings: Settings, text: str, user: str | None, engine, *, explain: bool = False) -> int:
    from bot.local import LOCAL_USER, ask
    from bot.terminal import render_message
    from handlers.commands.answers import FIGURES
    from handlers.commands.parse import UsageError, parse_command
    from store.metrics import explain as explain_figures

    reply = ask(settings, text, user_id=user or LOCAL_USER, engine=engine)
    if reply.status != 200:
        raise CliFailure(f"the app answered HTTP {reply.status}")
    sys.stdout.write(render_message(reply.blocks, reply.text))
    if reply.failed:
        raise CliFailure("the command failed; the log above has the details")
    try:
        command = parse_command(text)
    except UsageError as problem:
        print(f"delivery-bot: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if explain and FIGURES[command.subcommand]:
        sys.stdout.write("\nHow these figures are computed (docs/metrics.md):\n")
        sys.stdout.write(explain_figures(FIGURES[command.subcommand]) + "\n")
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    _schema_ready(engine, apply=False, writable=False)
    text = " ".join(args.text)
    status = _print_answer(settings, text, args.user, engine, explain=args.explain)
    if status == 0 and args.charts is not None:
        from bot.chart_files import ChartsRefused, write_charts

        try:
            written = write_charts(_workspace(settings, engine), text, args.user, args.charts)
        except ChartsRefused as refused:
            raise CliFailure(str(refused)) from None
        sys.stdout.write("\nCharts:\n" + "".join(f"{path}\n  {alt_text}\n" for path, alt_text in written))
    return status


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve

    _schema_ready(_engine(settings), apply=False)
    serve(settings, host=args.host, port=args.port or settings.port, workers=args.workers, threads=args.threads)
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    scheduler = None
    if not getattr(args, "no_scheduler", False):
        from bot.scheduler import build_scheduler

        _schema_ready(_engine(settings), apply=False)
        scheduler = build_scheduler(settings, blocking=False)
        scheduler.start()
    try:
        if settings.slack_app_token is None:
            return cmd_serve(settings, args)
        from bot.socket_mode import run_socket_mode

        _schema_ready(_engine(settings), apply=False)
        run_socket_mode(settings)
        return 0
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduler import build_scheduler

    _schema_ready(_engine(settings), apply=False)
    build_scheduler(settings, blocking=True).start()
    return 0


def _workspace(settings: Settings, engine, team_id: str | None = None):
    from bot.app import single_workspace
    from store.clock import SystemClock

    if team_id is not None:
        settings = settings.model_copy(update={"delivery_team_id": team_id})
    return single_workspace(settings, engine, SystemClock())


def _bot_client(settings: Settings, engine, team_id: str, purpose: str):
    """A Web API client with the bot token for `team_id`: the installed team's own with OAuth,
    else SLACK_BOT_TOKEN."""
    from bot.app import web_client

    if not settings.oauth_enabled:
        if team_id != settings.delivery_team_id:
            raise CliFailure(f"SLACK_BOT_TOKEN is the bot of {settings.delivery_team_id} (DELIVERY_TEAM_ID), "
                             f"not of {team_id}: posting for other teams needs the OAuth install flow")
        return web_client(settings, settings.required_value("slack_bot_token", purpose=purpose))
    from bot.workspaces import bot_token, installation_store

    token = bot_token(installation_store(settings, engine), team_id)
    if token is None:
        raise CliFailure(f"team {team_id} has not installed the app (open /slack/install from that workspace)")
    return web_client(settings, token)


def _run_due_every_team(settings: Settings, engine, at) -> int:
    """OAuth mode: what the scheduler's tick does, once, for every installed team with digests."""
    from datetime import timedelta

    from bot.app import web_client
    from bot.scheduler import pacers_for
    from bot.workspaces import Workspaces, installation_store, posting_teams
    from digests.runner import run_due
    from store.clock import SystemClock

    workspaces = Workspaces(settings, engine, SystemClock())
    pacers = pacers_for(settings)
    teams = posting_teams(workspaces, installation_store(settings, engine))
    for team in teams:
        report = run_due(web_client(settings, team.token), team.workspace, at=at,
                         grace=timedelta(minutes=settings.delivery_digest_grace_minutes),
                         pacer=pacers.for_team(team.workspace.team_id), senders=settings.delivery_digest_senders,
                         ops_summary=False)
        print(f"{team.workspace.team_id}: {report.summary()}")
        for label, error in report.failed:
            print(f"failed: {team.workspace.team_id}: {label}: {error}")
        warned = _warn_at(web_client(settings, team.token), team.workspace, at, pacers.for_team(team.workspace.team_id),
                          workspaces.settings_for(team.workspace.team_id).delivery_admin_channel)
        print(f"{team.workspace.team_id}: {warned.summary()}")
    if not teams:
        print("no installed team has digests")
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta, timezone

    from bot.terminal import render_message
    from messages.views import build_digest

    if getattr(args, "kind", None) == DigestKind.PERSONAL and not args.user:
        print("delivery-bot: the personal digest is someone's: add --user SLACK_USER_ID", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(settings)
    _schema_ready(engine, apply=False)
    if args.digest_command == "run-due" and settings.oauth_enabled and args.team is None:
        return _run_due_every_team(settings, engine, args.at or datetime.now(timezone.utc))
    workspace = _workspace(settings, engine, args.team)
    if args.digest_command == "deliveries":
        return _list_deliveries(workspace, args)
    if args.digest_command == "preview":
        reply = build_digest(DigestKind(args.kind), workspace, slack_user_id=args.user)
        sys.stdout.write(render_message(reply.block_dicts(), reply.text) if reply else "Nothing to post.\n")
        return 0
    client = _bot_client(settings, engine, workspace.team_id, purpose=f"digest {args.digest_command}")
    if args.digest_command == "send":
        return _send_now(client, workspace, args)
    from bot.scheduler import pacers_for
    from digests.runner import run_due

    # DELIVERY_ADMIN_CHANNEL is a channel of the DELIVERY_TEAM_ID workspace.
    home = workspace.team_id == settings.delivery_team_id
    report = run_due(client, workspace, at=args.at or datetime.now(timezone.utc),
                     grace=timedelta(minutes=settings.delivery_digest_grace_minutes),
                     pacer=pacers_for(settings).for_team(workspace.team_id), senders=settings.delivery_digest_senders,
                     ops_summary=False)
    print(report.summary())
    warned = _warn_at(client, workspace, args.at, pacers_for(settings).for_team(workspace.team_id),
                      settings.delivery_admin_channel if home else None)
    print(warned.summary())
    for label, error in [*report.failed, *warned.failed]:
        print(f"failed: {label}: {error}")
    for label, error in [*report.uncertain, *warned.uncertain]:
        print(f"uncertain: {label}: {error}")
    return 0


def _warn_at(client, workspace, at, pacer, admin_channel):
    """The slip warnings, escalation steps (and snoozes ended) and SLA warnings due at `at` (now when None), as
    the scheduler's tick sends them after the digests, then ops' one summary of the digests' and the warnings'
    failures (in `admin_channel`, else by DM)."""
    from dataclasses import replace

    from digests.escalations import run_escalations
    from digests.slip_warnings import run_slip_warnings
    from digests.warnings import run_warnings
    from store.clock import FixedClock

    then = workspace if at is None else replace(workspace, clock=FixedClock(at))
    slips = run_slip_warnings(client, then, pacer=pacer)
    if slips.worth_logging:
        print(slips.summary())
    escalated = run_escalations(client, then, pacer=pacer)
    if escalated.worth_logging:
        print(escalated.summary())
        for label, error in [*escalated.failed, *escalated.uncertain]:
            print(f"not sure it was posted: {label}: {error}")
    return run_warnings(client, then, pacer=pacer, admin_channel=admin_channel)


def _progress(kind: str, rows: int) -> None:
    sys.stderr.write(f"\r{kind}: {rows:,} rows")
    sys.stderr.flush()


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from store.io import KINDS, ImportRejected, import_path

    if args.kind is not None and args.kind not in KINDS:
        print(f"delivery-bot: --kind must be one of {', '.join(KINDS)}, not {args.kind!r}", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(settings)
    _schema_ready(engine, apply=False)
    context = _workspace(settings, engine).context()
    progress = _progress if sys.stderr.isatty() else None
    try:
        with Session(engine) as session, session.begin():
            report = import_path(session, context, args.path, kind=args.kind, dry_run=args.dry_run,
                                 progress=progress)
    except ImportRejected as rejected:
        if progress:
            sys.stderr.write("\n")
        for error in rejected.errors:
            print(error, file=sys.stderr)
        raise CliFailure(f"{len(rejected.errors)} bad row(s); nothing was imported") from None
    if progress:
        sys.stderr.write("\n")
    from store.bulk import after_bulk_load

    if not args.dry_run:
        workspace = _workspace(settings, engine)
        after_bulk_load(engine, workspace.team_id, tables=report.tables, now=workspace.clock.now(), tz=workspace.tz,
                        limits=workspace.limits)
    for kind, counts in report.counts.items():
        print(f"{kind}: {counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged")
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from store.io import export_folder

    engine = _engine(settings)
    _schema_ready(engine, apply=False, writable=False)
    with Session(engine) as session:
        written = export_folder(session, _workspace(settings, engine).context(), args.folder)
    for kind, rows in written.items():
        print(f"{kind}: {rows} rows")
    return 0


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from bot.people_sync import format_report, sync_people

    if not settings.oauth_enabled:
        settings.require("slack_bot_token", purpose="people sync")
    engine = _engine(settings)
    _schema_ready(engine, apply=False)
    workspace = _workspace(settings, engine)
    report = sync_people(_bot_client(settings, engine, workspace.team_id, purpose="people sync"), workspace)
    print(format_report(report))
    return 0


def _list_deliveries(workspace, args) -> int:
    from store.ledger import ledger_rows

    rows = workspace.read(ledger_rows, statuses=args.status, period=args.period)
    for row in rows:
        print("\t".join([row.period, row.digest, row.channel_id, row.status, row.error or "", row.claimed_by or ""]))
    if not rows:
        print("no deliveries recorded", file=sys.stderr)
    return 0


def _send_now(client, workspace, args) -> int:
    from slack_sdk.errors import SlackApiError

    from messages.views import build_digest

    reply = build_digest(DigestKind(args.kind), workspace, slack_user_id=args.user, all_clear=True)
    if reply is None:  # all_clear=True always gives a message
        raise RuntimeError(f"the {args.kind} digest built no message although all_clear was asked for")
    try:
        posted = client.chat_postMessage(channel=args.channel, text=reply.text, blocks=reply.block_dicts())
    except SlackApiError as failure:
        raise CliFailure(f"Slack refused the post to {args.channel}: {failure.response.get('error')}") from None
    print(f"posted the {args.kind} digest to {posted['channel']} (ts {posted['ts']})")
    if reply.charts and not args.no_charts:
        from messages.uploads import attach_charts

        sent = attach_charts(client, posted["channel"], reply.charts,
                             comment=f"Charts for the digest above: {reply.text}")
        print(f"attached {len(sent.files)} charts" if sent.ok else f"{sent.error} (the digest is posted)")
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from store.schema import SchemaOutOfDate, schema_state, upgrade

    engine = _engine(settings)
    try:
        state = upgrade(engine) if args.db_command == "upgrade" else schema_state(engine)
    except SchemaOutOfDate as problem:
        raise CliFailure(str(problem)) from None
    if state.newer_than_code:
        raise CliFailure(state.advice())
    note = "up to date" if state.up_to_date else f"behind {state.head}: run `delivery-bot db upgrade`"
    print(f"schema {state.current or 'empty'} ({note})")
    return 0


# Servers log their work; one-shot commands only say what went wrong.
LONG_RUNNING = ("serve", "run", "scheduler")
COMMANDS = {"demo": cmd_demo, "ask": cmd_ask, "serve": cmd_serve, "run": cmd_run, "db": cmd_db,
            "scheduler": cmd_scheduler, "digest": cmd_digest, "people": cmd_people, "import": cmd_import,
            "export": cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO" if args.command in LONG_RUNNING else "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        settings = load_settings()
        return COMMANDS[args.command](settings, args)
    except SettingsError as problem:
        print(f"delivery-bot: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except CliFailure as problem:
        print(f"delivery-bot: {problem}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
