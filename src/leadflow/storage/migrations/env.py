"""Alembic environment: runs on the connection leadflow hands over, or on the configured URL."""

from alembic import context
from sqlalchemy import create_engine

from leadflow.storage.registry import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        _run(conn)
