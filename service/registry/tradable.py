"""Which methodologies and parameter versions may be pooled into tradable units (v1 of the registry).

Not tradable: car-free days (a counterfactual no buyer can check), bills and e-invoices, consumption and
recyclables (their baselines are the resident's own claim). Every eligible parameter version must be
conservative (factor below 1), and solar only where the methodology subtracts green certificates
(rooftop_solar 2.x requires ``gec_issued_kwh``), so no kWh is sold twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Invalid
from service.methodology.models import ParamVersion

NOT_TRADABLE = frozenset(
    {
        "car_free_day",
        "online_bill",
        "e_invoice",
        "no_cutlery_order",
        "reusable_bag",
        "second_hand_phone",
        "recyclables_dropoff",
    }
)
# Methodologies whose code versions before this one did not require the green-certificate check.
GREEN_CERTIFICATE_SINCE = {"rooftop_solar": 2}


def check_tradable(methodology_id: str) -> None:
    if methodology_id in NOT_TRADABLE:
        raise Invalid(
            f"{methodology_id} is not tradable in this registry (car-free days, bills, consumption and "
            "recyclables are not)",
            code="not_tradable",
        )


async def check_versions(session: AsyncSession, methodology_id: str, versions: Sequence[int]) -> None:
    """Every listed parameter version exists, is conservative, and (solar) checks green certificates."""
    if not versions:
        raise Invalid("list at least one eligible parameter version", code="invalid_params_versions")
    rows = {
        row.version: row
        for row in await session.scalars(
            sa.select(ParamVersion).where(
                ParamVersion.methodology_id == methodology_id, ParamVersion.version.in_(versions)
            )
        )
    }
    for version in versions:
        row = rows.get(version)
        if row is None:
            raise Invalid(
                f"{methodology_id} has no parameter version {version}", code="invalid_params_versions"
            )
        _check_green_certificates(methodology_id, row)
        _check_conservative(methodology_id, row)


def _check_conservative(methodology_id: str, row: ParamVersion) -> None:
    factor = Decimal(str(row.params.get("conservativeness", "1")))
    if factor >= 1:
        raise Invalid(
            f"{methodology_id} parameter version {row.version} has conservativeness {factor}: tradable "
            "reductions need a factor below 1 (publish a parameter version that lowers it)",
            code="not_conservative",
        )


def _check_green_certificates(methodology_id: str, row: ParamVersion) -> None:
    since = GREEN_CERTIFICATE_SINCE.get(methodology_id)
    if since is not None and int(row.code_version.split(".")[0]) < since:
        raise Invalid(
            f"{methodology_id} parameter version {row.version} is for code {row.code_version}, which does "
            f"not require the green-certificate check: only {since}.x versions may be pooled",
            code="no_green_certificate_check",
        )
