"""Alembic environment: runs on the connection `store.schema` hands it."""

from alembic import context

from store.models import Base, UTCDateTime

config = context.config


def render_item(kind: str, obj, autogen_context):
    """Migrations name the stored type, not the model's Python wrapper around it."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `delivery-bot db upgrade`")
run_migrations_online()
