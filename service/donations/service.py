"""Donating coins to a public-welfare project, and the certificate of a donation.

Invariants:
- a donation is exactly one ledger transfer, kind ``donation``, from the resident's wallet to the project's
  account (``Ledger.transfer``): earliest-expiring lots first, never an overdraft, all or nothing;
- donated coins never come back: no route undoes a donation and the ledger refuses any movement out of a
  project account (409 ``donation_irreversible``);
- with an ``Idempotency-Key`` a retry returns the first donation and moves nothing; the same key for a
  different gift is 409 ``idempotency_conflict``;
- the certificate names the project, coins and date, and the donor only by the name they chose for it.

Deactivation is read without locking the project row: a donation racing the city's deactivation may still
land, which is harmless, and one lock per project would queue every donation to it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.donations.models import Donation
from service.donations.projects import existing_project
from service.donations.repository import DonationRepository
from service.donations.serials import parse_serial
from service.errors import Conflict, IdempotencyConflict, NotFound
from service.identity.service import active_resident
from service.ledger.service import Ledger, TransferRequest
from service.settings import Settings

TRANSFER_KIND = "donation"


async def donate(
    session: AsyncSession,
    settings: Settings,
    resident_id: int,
    project_id: int,
    coins: int,
    *,
    donor_name: str | None = None,
    client_key: str | None = None,
    now: dt.datetime,
) -> tuple[Donation, bool]:
    """Give ``coins`` (whole coins, > 0) to project ``project_id``; returns the donation and whether this
    call made it (False: a retry with the same ``client_key``). Refusals move nothing: 404
    ``welfare_project_not_found``, 409 ``welfare_project_inactive``, ``insufficient_funds``,
    ``idempotency_conflict``."""
    repo = DonationRepository(session)
    async with session.begin_nested():
        await active_resident(session, resident_id)
        if client_key is not None and (earlier := await repo.donation_by_key(resident_id, client_key)):
            return _same_gift(earlier, project_id, coins, donor_name), False
        project = await existing_project(session, project_id)
        if not project.active:
            raise Conflict(
                f"welfare project {project_id} is closed to donations", code="welfare_project_inactive"
            )
        assert project.account_id is not None
        ledger = Ledger(session, settings.ledger, settings.zone, clock=lambda: now)
        wallet = await ledger.wallet(resident_id)
        key = f"donation:r{resident_id}:{client_key or uuid.uuid4().hex}"
        request = TransferRequest(
            wallet.id, project.account_id, coins, TRANSFER_KIND, key, f"welfare_project:{project.id}"
        )
        transfer = await ledger.transfer(request)
        # A racer with the same key waited for the first transaction and got its transfer back.
        if (earlier := await repo.donation_for_transfer(transfer.id)) is not None:
            return _same_gift(earlier, project_id, coins, donor_name), False
        donation = Donation(
            project_id=project.id,
            resident_id=resident_id,
            transfer_id=transfer.id,
            coins=coins,
            donor_name=donor_name,
            client_key=client_key,
            city_code=settings.city.registry_code,
            year=now.astimezone(settings.zone).year,
            created_at=now,
        )
        await repo.add(donation)
    return donation, True


async def certificate(session: AsyncSession, serial: str) -> Donation:
    """The donation a serial stands for: 422 if malformed or its check digits fail, 404 if unknown."""
    parts = parse_serial(serial)
    donation = await DonationRepository(session).donation_by_serial(parts)
    if donation is None:
        raise NotFound(f"no donation has the serial {serial.strip().upper()}", code="donation_not_found")
    return donation


async def donations_of(
    session: AsyncSession, resident_id: int, after_id: int, limit: int
) -> Sequence[Donation]:
    return await DonationRepository(session).donations_of(resident_id, after_id, limit)


def _same_gift(earlier: Donation, project_id: int, coins: int, donor_name: str | None) -> Donation:
    if (earlier.project_id, earlier.coins, earlier.donor_name) != (project_id, coins, donor_name):
        raise IdempotencyConflict(
            "this Idempotency-Key was already used for a different donation",
            extra={"idempotency_key": earlier.client_key},
        )
    return earlier
