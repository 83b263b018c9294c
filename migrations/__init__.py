"""The one Alembic chain; runs on PostgreSQL and (in batch mode) on SQLite."""
