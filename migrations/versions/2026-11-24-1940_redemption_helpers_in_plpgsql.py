"""The redemption functions' small helpers in PL/pgSQL instead of SQL.

Why: PostgreSQL could not inline the SQL helpers (to_char and convert_to are only stable), and a SQL
function that is not inlined is parsed and planned again on every call: under load the parser showed up
in the redemption profile. A PL/pgSQL function keeps its plan for the life of the connection. Same
results; the functions that call them are unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLPGSQL = (
    """
CREATE OR REPLACE FUNCTION tanbi_merchant_code(p_merchant bigint, p_shard bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN CASE WHEN p_shard = 0 THEN 'merchant:' || p_merchant
                ELSE 'merchant:' || p_merchant || ':' || p_shard END;
END $$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_fingerprint(p_body text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN encode(sha256(convert_to(p_body, 'UTF8')), 'hex');
END $$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_isoformat(p_at timestamptz) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v_micro bigint := extract(microseconds FROM p_at)::bigint % 1000000;
BEGIN
    RETURN to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN v_micro = 0 THEN '' ELSE '.' || lpad(v_micro::text, 6, '0') END
        || '+00:00';
END $$;
""",
)

SQL = (
    """
CREATE OR REPLACE FUNCTION tanbi_merchant_code(p_merchant bigint, p_shard bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_shard = 0 THEN 'merchant:' || p_merchant ELSE 'merchant:' || p_merchant || ':' || p_shard END
$$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_fingerprint(p_body text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT encode(sha256(convert_to(p_body, 'UTF8')), 'hex') $$;
""",
    """
CREATE OR REPLACE FUNCTION tanbi_isoformat(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN extract(microseconds FROM p_at)::bigint % 1000000 = 0 THEN ''
                ELSE '.' || lpad((extract(microseconds FROM p_at)::bigint % 1000000)::text, 6, '0') END
        || '+00:00'
$$;
""",
)


def upgrade() -> None:
    _replace(PLPGSQL)


def downgrade() -> None:
    _replace(SQL)


def _replace(bodies: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite redeems through the Python ledger
    for body in bodies:
        op.get_bind().exec_driver_sql(body)
