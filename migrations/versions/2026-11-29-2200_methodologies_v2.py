"""Methodologies v2: parameter versions name their code version, actions their family, assets their source.

Why (issue 12):
- A parameter version now belongs to a code version (``code_version``): version 2 of the six methodologies
  changes rules as well as factors, so its parameters validate only against code 2.x. Existing versions
  were all made for code 1.0.0. New credits use the versions of the current code; old credits keep the
  version they recorded and replay under it.
- ``actions.family``: the plan's family the action counted in (the city reads and targets by family).
  Existing actions of the built-ins get theirs; run ``tanbi rollup rebuild`` after upgrading a database
  that holds actions, so the family roll-ups are counted.
- ``partners.ocpi_vehicle_kind``: what a charge-point operator states of the cars behind its users' tokens
  (OCPI CDRs carry no vehicle kind, and ev_charging 2.x credits only a stated private car).
- Assets record who registered them: a resident (``resident``), or a partner (``partner``: an installer's or
  the grid company's record), and, for a partner's record, the partner's hashed subject so the asset finds
  its owner when the resident binds. ``resident_id`` may be empty until then.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BUILTIN_FAMILIES = {
    "bus_trip": "public_transport",
    "metro_trip": "public_transport",
    "bike_share_ride": "public_transport",
    "ev_charging": "new_energy_vehicles",
    "car_free_day": "fuel_car_parked",
    "rooftop_solar": "low_carbon_community",
}


def upgrade() -> None:
    with op.batch_alter_table("methodology_param_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("code_version", sa.String(length=32), nullable=False, server_default="1.0.0")
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocpi_vehicle_kind", sa.String(length=32), nullable=True))
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("family", sa.String(length=32), nullable=False, server_default="unknown")
        )
    actions = sa.table("actions", sa.column("methodology_id", sa.String), sa.column("family", sa.String))
    for methodology_id, family in BUILTIN_FAMILIES.items():
        op.execute(actions.update().where(actions.c.methodology_id == methodology_id).values(family=family))
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="resident")
        )
        batch_op.add_column(sa.Column("partner_id", ID, nullable=True))
        batch_op.add_column(sa.Column("subject_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column("resident_id", existing_type=ID, nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_assets_partner_id_partners"), "partners", ["partner_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_assets_partner_id_subject_hash"), ["partner_id", "subject_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_partner_id_subject_hash"))
        batch_op.drop_constraint(batch_op.f("fk_assets_partner_id_partners"), type_="foreignkey")
        batch_op.alter_column("resident_id", existing_type=ID, nullable=False)
        batch_op.drop_column("subject_hash")
        batch_op.drop_column("partner_id")
        batch_op.drop_column("source")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_column("family")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("ocpi_vehicle_kind")
    with op.batch_alter_table("methodology_param_versions", schema=None) as batch_op:
        batch_op.drop_column("code_version")
