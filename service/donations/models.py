"""Public-welfare projects and the donations residents make to them.

A project's coins are the balance of its own ledger account (kind ``project``); the donation rows say who
gave what and carry the certificate's serial. Nothing here is ever deleted: donated coins never come back.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, BigIntPK, utcnow
from service.db.distribution import joined


class ProjectKind(enum.StrEnum):
    TREE_PLANTING = "tree_planting"  # 植树造林
    MANGROVE = "mangrove"  # 红树林保护
    SCHOOL_SOLAR = "school_solar"  # 学校光伏屋顶
    WETLAND = "wetland"  # 湿地保护
    OTHER = "other"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class WelfareProject(Base):
    __tablename__ = "welfare_projects"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {_in(tuple(ProjectKind))}", name="kind"),
        sa.CheckConstraint("goal_coins > 0", name="goal_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_zh: Mapped[str] = mapped_column(sa.String(2000))
    description_en: Mapped[str] = mapped_column(sa.String(2000))
    goal_coins: Mapped[int] = mapped_column(sa.BigInteger)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # The ledger account ("project:<id>") the donations go to; its balance is the coins raised.
    # No foreign key: a reference table may not point into the distributed ledger (migration 0023).
    account_id: Mapped[int | None] = mapped_column(BigIntPK, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Donation(Base):
    """One resident's gift of ``coins`` to a project: one ledger transfer, one certificate.

    The serial is ``TB-{city_code}-DON-{year}-{id:06d}-{check}`` (service/donations/serials.py); the parts
    are stored, not the string, so a later change of the city's code setting cannot change a certificate.
    """

    __tablename__ = "donations"
    __table_args__ = (
        sa.CheckConstraint("coins > 0", name="coins_positive"),
        sa.UniqueConstraint("resident_id", "client_key"),
        sa.UniqueConstraint("transfer_id", "resident_id"),
        joined("transfer_id", "transfer_keys.transfer_id"),
        sa.Index("ix_donations_project_id_resident_id", "project_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("welfare_projects.id"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    transfer_id: Mapped[int] = mapped_column(BigIntPK)
    coins: Mapped[int] = mapped_column(sa.BigInteger)
    # What the resident chose to be named on the certificate; none: 匿名 (anonymous). Erased with the account.
    donor_name: Mapped[str | None] = mapped_column(sa.String(32))
    # The Idempotency-Key the resident's client sent, if any (a retry gets the first donation back).
    client_key: Mapped[str | None] = mapped_column(sa.String(128))
    city_code: Mapped[str] = mapped_column(sa.String(8))
    year: Mapped[int] = mapped_column(sa.Integer)  # the local year of the donation, as the serial says
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
