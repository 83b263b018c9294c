"""GET /v1/me/wallet on both dialects: available and held coins, lots by expiry, coins expiring soon."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from service.db.base import utcnow
from service.errors import NotFound, Unauthorized
from service.identity.models import Resident
from service.identity.principal import Role
from service.ledger.service import Credit, TransferRequest
from service.ledger.verify import verify_ledger
from service.residents.repository import ResidentRepository, Wallet, active_wallet
from tests.conftest import ledger_for, make_settings
from tests.integration.actions.conftest import NOW, ZONE, new_resident
from tests.integration.merchants.conftest import balance, new_merchant
from tests.integration.residents.conftest import resident_with_trips

# Lots expire at the end of 31 December of the year after the (city-time) year of earning.
EARNED_2024 = dt.datetime(2024, 5, 1, 12, tzinfo=ZONE)  # its lot expired at the end of 2025
EARNED_2025 = dt.datetime(2025, 3, 1, 12, tzinfo=ZONE)  # ... expires at the end of 2026
EARNED_2026 = dt.datetime(2026, 11, 20, 12, tzinfo=ZONE)  # ... expires at the end of 2027
END_OF_2026 = dt.datetime(2027, 1, 1, tzinfo=ZONE)


async def test_a_resident_without_a_wallet_account_has_zeros(client, database, bearer) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000710")
    me = bearer(Role.RESIDENT, str(resident))
    wallet = await client.get("/v1/me/wallet", headers=me)
    assert wallet.status_code == 200, wallet.text
    assert wallet.json() == {"available": 0, "held": 0, "lots": [], "expiring_30d": 0}
    transfers = (await client.get("/v1/me/transfers", headers=me)).json()
    assert transfers == {"items": [], "next_cursor": None}


async def test_the_wallet_shows_credits_holds_and_unexpired_lots_by_expiry(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await resident_with_trips(database, settings, registry, "13900000711")
    async with database.session() as session:
        # 7 coins earned in 2024: their lot expired at the end of 2025 and the sweep has not run yet
        await ledger_for(session, settings, clock=lambda: EARNED_2024).issue(
            [Credit(resident, 7, f"old:{resident}")]
        )
        ledger = ledger_for(session, settings)
        wallet, till = (
            await ledger.wallet(resident),
            await ledger.merchant_account(await new_merchant(session)),
        )
        request = TransferRequest(wallet.id, till.id, 20, "voucher", f"hold:{resident}")
        await ledger.hold(request, expires_at=utcnow() + dt.timedelta(days=2))
        assert await balance(session, f"wallet:{resident}") == (67 + 7, 20)

    body = (await client.get("/v1/me/wallet", headers=bearer(Role.RESIDENT, str(resident)))).json()
    # The expired lot's 7 coins are still in the balance but cannot be spent: not available, not listed.
    assert (body["available"], body["held"]) == (67 - 20, 20)
    lots = body["lots"]
    # Five trips of 134 g: the grams under one coin carry to the next credit (670 g is 67 coins).
    assert [lot["amount"] for lot in lots] == [13, 13, 14, 13, 14]
    assert [lot["remaining"] for lot in lots] == [13, 13, 14, 13, 14]
    assert [lot["held"] for lot in lots] == [13, 7, 0, 0, 0]  # a hold takes the earliest-expiring first
    assert [(lot["expires_at"], lot["id"]) for lot in lots] == sorted(
        (x["expires_at"], x["id"]) for x in lots
    )
    assert {dt.datetime.fromisoformat(lot["earned_at"]) for lot in lots} == {NOW}
    assert {dt.datetime.fromisoformat(lot["expires_at"]) for lot in lots} == {
        dt.datetime(2028, 1, 1, tzinfo=ZONE)
    }
    assert body["expiring_30d"] == 0  # all expire at the end of 2027; the clock test moves time instead


async def test_coins_expiring_within_30_days_follow_the_clock(database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        resident = await new_resident(session, "13900000712")
        for earned, coins in ((EARNED_2024, 7), (EARNED_2025, 40), (EARNED_2026, 25)):
            await ledger_for(session, settings, clock=lambda earned=earned: earned).issue(
                [Credit(resident, coins, f"earn:{resident}:{earned.year}")]
            )
        dec_10 = dt.datetime(2026, 12, 10, 9, tzinfo=ZONE)
        ledger = ledger_for(session, settings, clock=lambda: dec_10)
        wallet, till = (
            await ledger.wallet(resident),
            await ledger.merchant_account(await new_merchant(session)),
        )
        hold = TransferRequest(wallet.id, till.id, 15, "voucher", f"hold:{resident}")
        await ledger.hold(hold, expires_at=dec_10 + dt.timedelta(days=1))
        repo = ResidentRepository(session)

        on_dec_10 = await repo.wallet(resident, dec_10)
        assert [(lot.amount, lot.held) for lot in on_dec_10.lots] == [(40, 15), (25, 0)]
        # the 2025 lot expires in 22 days: its unreserved 25 coins count, the 2027 lot's do not
        assert (on_dec_10.available, on_dec_10.held, on_dec_10.expiring_30d) == (50, 15, 25)

        thirty_one_days_before = END_OF_2026 - dt.timedelta(days=31)
        assert (await repo.wallet(resident, thirty_one_days_before)).expiring_30d == 0
        thirty_days_before = END_OF_2026 - dt.timedelta(days=30)
        assert (await repo.wallet(resident, thirty_days_before)).expiring_30d == 25

        at_expiry = await repo.wallet(resident, END_OF_2026)  # the 2025 lot is gone at that instant
        assert [lot.amount for lot in at_expiry.lots] == [25]
        assert (at_expiry.available, at_expiry.expiring_30d) == (25, 0)

        # the expiry sweep moves the expired 2024 lot's coins out; what is available does not change
        assert await ledger.expire_lots() == 7
        after_sweep = await repo.wallet(resident, dec_10)
        assert (after_sweep.available, after_sweep.held, after_sweep.expiring_30d) == (50, 15, 25)
        assert await balance(session, f"wallet:{resident}") == (65, 15)
        assert (await verify_ledger(session)).ok


async def test_the_one_statement_wallet_agrees_with_the_session_read_on_the_driver_path(
    pg_committed, pg_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Committed data and a session that has not begun: active_wallet takes the driver pool (one round
    # trip, autocommitted), which the rolled-back fixtures of the other tests never reach.
    settings = make_settings(tmp_path, pg_url)
    async with pg_committed.session() as session:
        rich, empty, gone = [await new_resident(session, f"1390000072{n}") for n in range(3)]
        ledger = ledger_for(session, settings, clock=lambda: EARNED_2025)
        await ledger.issue([Credit(rich, 10 + n, f"driver:{n}") for n in range(3)])
        await ledger_for(session, settings).issue([Credit(gone, 5, "driver:gone")])
        till = await ledger.merchant_account(await new_merchant(session))
        wallet = await ledger.wallet(rich)
        await ledger.hold(
            TransferRequest(wallet.id, till.id, 12, "voucher", "driver:hold"),
            expires_at=utcnow() + dt.timedelta(days=1),
        )
        await session.execute(sa.update(Resident).where(Resident.id == gone).values(deleted_at=utcnow()))

    now = utcnow()
    async with pg_committed.sessions() as session:
        assert not session.in_transaction()
        fast = await active_wallet(session, rich, now)
        assert not session.in_transaction()  # it did not go through the session
        assert await active_wallet(session, empty, now) == Wallet()
        with pytest.raises(Unauthorized) as deleted:
            await active_wallet(session, gone, now)
        assert deleted.value.code == "account_deleted"
        with pytest.raises(NotFound) as missing:
            await active_wallet(session, 10**12, now)
        assert missing.value.code == "resident_not_found"
    async with pg_committed.session() as session:
        slow = await ResidentRepository(session).wallet(rich, now)
        inside = await active_wallet(session, rich, now)  # in a transaction: through the session
    assert (fast.available, fast.held, fast.expiring_30d) == (slow.available, slow.held, slow.expiring_30d)
    assert (fast.available, fast.held) == (10 + 11 + 12 - 12, 12)
    assert (inside.available, inside.held, inside.expiring_30d) == (
        fast.available,
        fast.held,
        fast.expiring_30d,
    )
    columns = ("id", "amount", "remaining", "held", "created_at", "expires_at")
    rows = [[tuple(getattr(lot, c) for c in columns) for lot in w.lots] for w in (fast, slow, inside)]
    assert rows[0] == rows[1] == rows[2]
    assert len(rows[0]) == 3
