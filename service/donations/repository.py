"""SQL of the donations slice: projects with their progress; donations by resident, key, transfer, serial."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.donations.models import Donation, WelfareProject
from service.donations.serials import SerialParts
from service.ledger.models import Account


@dataclass(frozen=True)
class Progress:
    """What a project raised: coins (its account's balance), donations and distinct donors."""

    raised: int = 0
    donations: int = 0
    donors: int = 0


class DonationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: WelfareProject | Donation) -> None:
        self.session.add(row)
        await self.session.flush()

    async def project(self, project_id: int, *, lock: bool = False) -> WelfareProject | None:
        return await self.session.get(WelfareProject, project_id, with_for_update=lock or None)

    async def projects(self, after_id: int, limit: int, *, active_only: bool) -> Sequence[WelfareProject]:
        stmt = sa.select(WelfareProject).where(WelfareProject.id > after_id)
        if active_only:
            stmt = stmt.where(WelfareProject.active.is_(True))
        return (await self.session.scalars(stmt.order_by(WelfareProject.id).limit(limit))).all()

    async def progress(self, project_ids: Sequence[int]) -> dict[int, Progress]:
        """Each project's progress. Raised is read from the ledger (the project account's balance), the
        counts from the donation rows; a test holds the two to each other."""
        counts = (
            sa.select(
                Donation.project_id,
                sa.func.count().label("donations"),
                sa.func.count(sa.distinct(Donation.resident_id)).label("donors"),
            )
            .where(Donation.project_id.in_(project_ids))
            .group_by(Donation.project_id)
            .subquery()
        )
        stmt = (
            sa.select(
                WelfareProject.id,
                sa.func.coalesce(Account.balance, 0),
                sa.func.coalesce(counts.c.donations, 0),
                sa.func.coalesce(counts.c.donors, 0),
            )
            .outerjoin(Account, Account.id == WelfareProject.account_id)
            .outerjoin(counts, counts.c.project_id == WelfareProject.id)
            .where(WelfareProject.id.in_(project_ids))
        )
        rows = await self.session.execute(stmt)
        return {pid: Progress(int(raised), int(n), int(donors)) for pid, raised, n, donors in rows}

    async def donation_by_key(self, resident_id: int, client_key: str) -> Donation | None:
        return await self.session.scalar(
            sa.select(Donation).where(Donation.resident_id == resident_id, Donation.client_key == client_key)
        )

    async def donation_for_transfer(self, transfer_id: int) -> Donation | None:
        return await self.session.scalar(sa.select(Donation).where(Donation.transfer_id == transfer_id))

    async def donation_by_serial(self, parts: SerialParts) -> Donation | None:
        return await self.session.scalar(
            sa.select(Donation).where(
                Donation.id == parts.sequence,
                Donation.year == parts.year,
                Donation.city_code == parts.city_code,
            )
        )

    async def donations_of(self, resident_id: int, after_id: int, limit: int) -> Sequence[Donation]:
        stmt = (
            sa.select(Donation)
            .where(Donation.resident_id == resident_id, Donation.id > after_id)
            .order_by(Donation.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def projects_by_id(self, project_ids: Sequence[int]) -> dict[int, WelfareProject]:
        rows = await self.session.scalars(sa.select(WelfareProject).where(WelfareProject.id.in_(project_ids)))
        return {row.id: row for row in rows}

    async def forget_donor_names(self, resident_id: int) -> int:
        """Erase the names a resident chose for their certificates; returns how many donations had one."""
        result = await self.session.execute(
            sa.update(Donation)
            .where(Donation.resident_id == resident_id, Donation.donor_name.is_not(None))
            .values(donor_name=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
