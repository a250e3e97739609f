"""Changing the schema: the Alembic runner, preflight, the backup-then-change pipeline,
rehearsal, rollback."""
