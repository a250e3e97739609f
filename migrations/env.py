"""Alembic environment for app_metadata.db.

Two callers share it:
- wsadmin hands in an open connection (config.attributes["connection"]) that is
  already inside the transaction the whole upgrade runs in;
- the `alembic` command line, where env.py opens the file named by
  `-x db=PATH` or by sqlalchemy.url and runs every revision in one transaction.

Either way, all revisions of one command share a single transaction
(transactional_ddl), foreign keys are off before BEGIN (so batch rebuilds never
cascade-delete rows), and the application's loggers are left alone.
"""

from __future__ import annotations

import logging.config

from alembic import context

from wsadmin.db.sqlite.connect import engine_for_url

config = context.config


def _url() -> str:
    db = context.get_x_argument(as_dictionary=True).get("db")
    if db:
        return f"sqlite:///{db}"
    return config.get_main_option("sqlalchemy.url") or "sqlite:///app_metadata.db"


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=None,
        render_as_batch=True,
        transactional_ddl=True,
        transaction_per_migration=False,
        on_version_apply=config.attributes.get("on_version_apply"),
    )


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return

    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = engine_for_url(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("wsadmin's migrations run online only: drop --sql")
run_migrations_online()
