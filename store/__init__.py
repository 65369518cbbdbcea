"""The Slack-free core: models, sessions, migrations, queries, rules, demo data.

Nothing in this package imports slack_bolt or slack_sdk.
"""
