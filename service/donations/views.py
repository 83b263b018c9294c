"""Response bodies built from rows: projects with progress, donations, certificates."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.donations.models import Donation, ProjectKind, WelfareProject
from service.donations.repository import DonationRepository, Progress
from service.donations.schemas import (
    ANONYMOUS,
    CertificateOut,
    CityBrief,
    DonationOut,
    ProjectBrief,
    ProjectOut,
)
from service.donations.serials import serial_of
from service.settings import CitySettings


async def projects_out(session: AsyncSession, rows: Sequence[WelfareProject]) -> list[ProjectOut]:
    progress = await DonationRepository(session).progress([row.id for row in rows])
    return [project_out(row, progress.get(row.id, Progress())) for row in rows]


def project_out(row: WelfareProject, progress: Progress) -> ProjectOut:
    return ProjectOut(
        id=row.id,
        kind=ProjectKind(row.kind),
        name_zh=row.name_zh,
        name_en=row.name_en,
        description_zh=row.description_zh,
        description_en=row.description_en,
        goal_coins=row.goal_coins,
        raised_coins=progress.raised,
        donations=progress.donations,
        donors=progress.donors,
        active=row.active,
        created_at=row.created_at,
    )


def brief(row: WelfareProject) -> ProjectBrief:
    return ProjectBrief(id=row.id, kind=ProjectKind(row.kind), name_zh=row.name_zh, name_en=row.name_en)


def serial(donation: Donation) -> str:
    return serial_of(donation.city_code, donation.year, donation.id)


async def donations_out(
    session: AsyncSession, rows: Sequence[Donation], *, replayed: bool = False
) -> list[DonationOut]:
    projects = await DonationRepository(session).projects_by_id(sorted({row.project_id for row in rows}))
    return [
        DonationOut(
            id=row.id,
            serial=serial(row),
            project=brief(projects[row.project_id]),
            coins=row.coins,
            donor_name=row.donor_name,
            transfer_id=row.transfer_id,
            created_at=row.created_at,
            replayed=replayed,
        )
        for row in rows
    ]


async def certificate_out(
    session: AsyncSession, donation: Donation, city: CitySettings, zone: ZoneInfo
) -> CertificateOut:
    projects = await DonationRepository(session).projects_by_id([donation.project_id])
    return CertificateOut(
        serial=serial(donation),
        project=brief(projects[donation.project_id]),
        coins=donation.coins,
        donor=donation.donor_name or ANONYMOUS,
        anonymous=donation.donor_name is None,
        donated_at=donation.created_at,
        donated_on=donation.created_at.astimezone(zone).date(),
        city=CityBrief(code=donation.city_code, name_zh=city.name_zh, name_en=city.name_en),
    )
