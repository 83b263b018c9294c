"""The PostgreSQL redemption functions write exactly what the Python ledger writes.

Checked through the ledger itself: the stored idempotency records carry the fingerprints
``TransferRequest.fingerprint`` computes, so the Python ledger recognises (replays) them, and coins that
sit only in expired lots are refused with the Python ledger's error, leaving the transaction usable.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.errors import IdempotencyConflict, InsufficientFunds
from service.ledger.models import Hold, IdempotencyRecord, Lot, Transfer
from service.ledger.service import Ledger, TransferRequest
from service.ledger.verify import verify_ledger
from service.merchants import paycodes, vouchers
from tests.conftest import make_settings
from tests.integration.merchants.conftest import approved_offer, balance, funded_resident, new_merchant


@pytest.fixture
def pg_settings(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, pg_url)


async def test_fast_path_records_are_the_python_ledgers(pg_database, pg_settings) -> None:  # type: ignore[no-untyped-def]
    settings = pg_settings
    async with pg_database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 100)
        offer = await approved_offer(session, merchant, price=12, stock=3, limit=2)
        code = (await paycodes.issue_paycode(session, settings, resident, utcnow())).code
        charged, created = await paycodes.charge(session, settings, merchant, code, 30, "fp-1", utcnow())
        assert created
        for now in (utcnow().replace(microsecond=0), utcnow().replace(microsecond=1)):
            # Both spellings of an ISO time (with and without microseconds) must hash as Python's.
            voucher = await vouchers.claim(session, settings, resident, offer, now)
            hold = await session.get(Hold, voucher.hold_id)
            record = await session.get(IdempotencyRecord, (hold.idempotency_key, hold.resident_id))
            assert hold.resident_id == resident  # the function files the hold with its resident
            request = TransferRequest(
                hold.debit_account_id,
                hold.credit_account_id,
                hold.amount,
                hold.kind,
                hold.idempotency_key,
                hold.reference,
            )
            expected = request.fingerprint("hold", expires_at=hold.expires_at.astimezone(dt.UTC).isoformat())
            assert record.fingerprint == expected
        transfer = await session.get(Transfer, charged.transfer_id)
        ledger = Ledger(session, settings.ledger, settings.zone)
        replay = await ledger.transfer(
            TransferRequest(
                transfer.debit_account_id,
                transfer.credit_account_id,
                30,
                "charge",
                transfer.idempotency_key,
                "paycode",
            )
        )
        assert replay.id == transfer.id  # the Python ledger recognises the function's record: nothing moves
        assert await balance(session, f"wallet:{resident}") == (70, 24)
        assert (await verify_ledger(session)).ok


async def test_coins_only_in_expired_lots_are_refused_and_the_session_goes_on(
    pg_database, pg_settings
) -> None:  # type: ignore[no-untyped-def]
    settings = pg_settings
    async with pg_database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 50)
        await session.execute(sa.update(Lot).values(expires_at=utcnow() - dt.timedelta(days=1)))
        code = (await paycodes.issue_paycode(session, settings, resident, utcnow())).code
        with pytest.raises(InsufficientFunds) as refused:
            await paycodes.charge(session, settings, merchant, code, 10, "expired-1", utcnow())
        assert refused.value.code == "insufficient_funds"
        assert await balance(session, f"wallet:{resident}") == (50, 0)  # the savepoint undid the debit
        assert (await verify_ledger(session)).ok


async def test_a_used_ledger_key_refuses_the_charge_and_leaves_the_code_unspent(
    pg_database, pg_settings
) -> None:  # type: ignore[no-untyped-def]
    """The function finds an idempotency record under the charge's ledger key only after it spent the code
    (migration 0016 spends it first): the refusal raises, so the code is as it was."""
    settings = pg_settings
    async with pg_database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 50)
        code = (await paycodes.issue_paycode(session, settings, resident, utcnow())).code
        session.add(
            IdempotencyRecord(
                key=f"charge:{merchant}:taken",
                resident_id=resident,  # keys are the resident's: this one is the paying resident's
                fingerprint="0" * 64,
                operation="transfer",
                created_at=utcnow(),
            )
        )
        await session.flush()
        with pytest.raises(IdempotencyConflict):
            await paycodes.charge(session, settings, merchant, code, 10, "taken", utcnow())
        assert await balance(session, f"wallet:{resident}") == (50, 0)
        charged, created = await paycodes.charge(session, settings, merchant, code, 10, "free", utcnow())
        assert created
        assert charged.amount == 10
