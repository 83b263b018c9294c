"""Roll-up tables: what the city reads, kept as credits land so no city query scans actions.

- ``rollup_counters``: grams, actions and coins per local day x methodology x district (x shard).
- ``rollup_members``: who took part in a period (kind ``d`` day, ``w`` ISO week, ``m`` month, ``y`` year,
  ``a`` all time), per methodology and district, with ``*`` for "all methodologies" / "all districts",
  and how many of their actions count there. The methodology column also holds each of the plan's families
  as ``family:<id>`` (a resident who rode a bus and a metro is one participant of 公交出行, not two).
  It makes distinct participants exact: a resident is counted when their count leaves zero and uncounted
  when a reversal brings it back to zero.
- ``rollup_participants``: the count of members with a non-zero count, per period, methodology and
  district (x shard), so a query reads one row per group instead of counting members.
- ``rollup_log``: what the credit path appends in its own transaction (one row per accepted action, or -1
  per reversal), folded into the three tables above by a job (service/city/rollups.py). The crediting
  transaction writes one append-only row per action instead of some thirty upserts on shared rows.

No CHECK (>= 0) on the counts: PostgreSQL checks the row an upsert proposes before it finds the
conflict, and a reversal proposes a negative delta. ``tanbi rollup verify`` is the guard.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK

ALL = "*"
FAMILY = "family:"  # prefix of a family's rows in the methodology column of members and participants


def family_key(family_id: str) -> str:
    return FAMILY + family_id


class RollupCounter(Base):
    __tablename__ = "rollup_counters"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    methodology_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    district: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    grams: Mapped[int] = mapped_column(sa.BigInteger)
    actions: Mapped[int] = mapped_column(sa.BigInteger)
    coins: Mapped[int] = mapped_column(sa.BigInteger)


class RollupMember(Base):
    __tablename__ = "rollup_members"
    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    period: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    methodology_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    district: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    actions: Mapped[int] = mapped_column(sa.BigInteger)


class RollupParticipants(Base):
    __tablename__ = "rollup_participants"
    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    period: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    methodology_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    district: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    participants: Mapped[int] = mapped_column(sa.BigInteger)


class RollupLogEntry(Base):
    """An action counted (``sign`` 1) or taken back (-1), waiting to be folded into the roll-ups."""

    __tablename__ = "rollup_log"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.BigInteger)
    methodology_id: Mapped[str] = mapped_column(sa.String(64))
    family: Mapped[str] = mapped_column(sa.String(32))
    district: Mapped[str] = mapped_column(sa.String(32))
    day: Mapped[dt.date] = mapped_column(sa.Date)  # the action's local date
    grams: Mapped[int] = mapped_column(sa.BigInteger)
    coins: Mapped[int] = mapped_column(sa.BigInteger)
    sign: Mapped[int] = mapped_column(sa.SmallInteger)
    logged_at: Mapped[dt.datetime]


class CityCell(Base):
    """A published cell of the city's grid (service/city/grid.py): what every city read returns.

    Rebuilt whole by each publication, so every answer comes from one consistent suppression. A hidden
    cell keeps its key and the reason, never its values."""

    __tablename__ = "city_cells"

    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    period: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    district: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    scenario: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    grams: Mapped[int | None] = mapped_column(sa.BigInteger)
    actions: Mapped[int | None] = mapped_column(sa.BigInteger)
    coins: Mapped[int | None] = mapped_column(sa.BigInteger)
    participants: Mapped[int | None] = mapped_column(sa.BigInteger)
    suppressed: Mapped[str | None] = mapped_column(sa.String(16))


class CityPublication(Base):
    """When the grid was last published, with which k, and how much of it is hidden."""

    __tablename__ = "city_publications"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    published_at: Mapped[dt.datetime]
    k: Mapped[int] = mapped_column(sa.Integer)
    cells: Mapped[int] = mapped_column(sa.Integer)
    hidden: Mapped[int] = mapped_column(sa.Integer)
