"""Database plumbing: declarative base and portable types, engines and sessions for SQLite and PostgreSQL."""
