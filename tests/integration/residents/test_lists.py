"""GET /v1/me/actions[/{id}] and /v1/me/transfers on both dialects: pages, order, bounds, cursors."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import sqlalchemy as sa

from service.actions.models import Action
from service.identity.principal import Role
from service.ledger.service import Credit, TransferRequest
from tests.conftest import ledger_for
from tests.integration.actions.conftest import NOW, actions_for, bus, new_resident
from tests.integration.http.serving import assert_problem
from tests.integration.merchants.conftest import new_merchant
from tests.integration.residents.conftest import resident_with_trips, walk


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


BAD_CURSORS = [
    "%%%",
    "not-base64!",
    base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),  # not UTF-8
    _cursor("garbage"),
    _cursor("2026-11-20T12:00:00+00:00|x"),
    _cursor("2026-11-20T12:00:00|5"),  # a time without a zone
    _cursor("2026-11-20T12:00:00+00:00|0"),
    _cursor("2026-11-20T12:00:00+00:00|-5"),
    _cursor("2026-11-20T12:00:00+00:00|99999999999999999999"),  # past BIGINT: refused, not sent to SQL
    _cursor("-1"),
    _cursor("9223372036854775808"),
    _cursor("１２"),  # full-width digits: isdigit() says yes, the database must never see them
]


async def test_actions_walk_every_action_once_latest_first(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    resident, recorded = await resident_with_trips(database, settings, registry, "13900000720")
    other, _ = await resident_with_trips(database, settings, registry, "13900000721")
    async with database.session() as session:
        # reported late: recorded last (highest id) but it happened first, so it is listed last
        late = await actions_for(session, settings, registry, clock=lambda: NOW).record_action(
            resident, "bus_trip", bus(NOW - dt.timedelta(days=6)), None, "t:late"
        )
        expected = (
            await session.scalars(
                sa.select(Action.id)
                .where(Action.resident_id == resident)
                .order_by(Action.occurred_at.desc(), Action.id.desc())
            )
        ).all()
    assert len(expected) == 7
    assert expected[-1] == late.action.id
    # the rejected trip boarded with the latest one: equal times are ordered by id, newest first
    assert expected[:2] == [recorded[5].id, recorded[0].id]
    me = bearer(Role.RESIDENT, str(resident))
    for limit in (1, 2, 3, 7, 200):
        items = await walk(client, "/v1/me/actions", me, limit)
        assert [a["id"] for a in items] == list(expected), limit
    default = (await client.get("/v1/me/actions", headers=me)).json()
    assert ([a["id"] for a in default["items"]], default["next_cursor"]) == (list(expected), None)
    others = [a["id"] for a in await walk(client, "/v1/me/actions", bearer(Role.RESIDENT, str(other)), 4)]
    assert not set(others) & set(expected)

    by_id = {a["id"]: a for a in default["items"]}
    accepted, rejected = by_id[recorded[0].id], by_id[recorded[5].id]
    assert accepted["methodology_id"] == "bus_trip"
    assert (accepted["status"], accepted["grams"], accepted["coins"], accepted["reasons"]) == (
        "accepted",
        134,
        13,
        [],
    )
    assert accepted["breakdown"]["credited_grams"] == 134
    assert dt.datetime.fromisoformat(accepted["occurred_at"]) == recorded[0].occurred_at
    assert (rejected["status"], rejected["coins"], rejected["grams"]) == ("rejected", 0, 0)
    assert rejected["reasons"] == ["implausible_speed", "overlap"]
    one = await client.get(f"/v1/me/actions/{recorded[0].id}", headers=me)
    assert one.json() == accepted


async def test_an_action_of_another_resident_is_answered_like_a_missing_one(
    client, database, settings, registry, bearer
) -> None:  # type: ignore[no-untyped-def]
    owner, recorded = await resident_with_trips(database, settings, registry, "13900000722")
    intruder, _ = await resident_with_trips(database, settings, registry, "13900000723")
    async with database.session() as session:
        missing = (await session.scalar(sa.select(sa.func.max(Action.id)))) + 1000
    them = bearer(Role.RESIDENT, str(intruder))
    theirs = await client.get(f"/v1/me/actions/{recorded[0].id}", headers=them)
    nothing = await client.get(f"/v1/me/actions/{missing}", headers=them)
    assert_problem(theirs, 404, "action_not_found")
    assert_problem(nothing, 404, "action_not_found")
    same = theirs.json() | {"detail": None}, nothing.json() | {"detail": None}
    assert same[0] == same[1]
    assert theirs.json()["detail"].replace(str(recorded[0].id), "N") == nothing.json()["detail"].replace(
        str(missing), "N"
    )
    for out_of_range in ("0", "-1", str(2**63)):
        refused = await client.get(f"/v1/me/actions/{out_of_range}", headers=them)
        assert refused.status_code in {400, 404, 422}, (out_of_range, refused.text)
    mine = await client.get(f"/v1/me/actions/{recorded[0].id}", headers=bearer(Role.RESIDENT, str(owner)))
    assert mine.status_code == 200


async def test_transfers_are_signed_from_the_wallet_and_walked_once(
    client, database, settings, bearer
) -> None:  # type: ignore[no-untyped-def]
    async with database.session() as session:
        ledger = ledger_for(session, settings)
        resident, other = (
            await new_resident(session, "13900000724"),
            await new_resident(session, "13900000725"),
        )
        credits = await ledger.issue([Credit(resident, c, f"c:{resident}:{c}") for c in (10, 20, 30)])
        await ledger.issue([Credit(other, 99, f"c:{other}")])
        wallet, till = (
            await ledger.wallet(resident),
            await ledger.merchant_account(await new_merchant(session)),
        )
        charge = await ledger.transfer(TransferRequest(wallet.id, till.id, 5, "charge", "x:1", "paycode"))
        hold = await ledger.hold(
            TransferRequest(wallet.id, till.id, 7, "voucher", "x:2"),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )
        voucher = await ledger.post(hold.id)
        reversal = await ledger.reverse(credits[0])
        balance = (await ledger.wallet(resident)).balance
    expected = [
        (reversal.id, "reversal", -10),
        (voucher.id, "voucher", -7),
        (charge.id, "charge", -5),
        (credits[2], "credit", 30),
        (credits[1], "credit", 20),
        (credits[0], "credit", 10),
    ]
    me = bearer(Role.RESIDENT, str(resident))
    for limit in (1, 4, 6, 50):
        items = await walk(client, "/v1/me/transfers", me, limit)
        assert [(t["id"], t["kind"], t["amount"]) for t in items] == expected, limit
    assert sum(amount for _, _, amount in expected) == balance == 38
    page = (await client.get("/v1/me/transfers?limit=1", headers=me)).json()
    assert page["items"][0]["reference"] is None
    assert dt.datetime.fromisoformat(page["items"][0]["created_at"]) == reversal.created_at
    charged = [t for t in await walk(client, "/v1/me/transfers", me, 6) if t["kind"] == "charge"]
    assert charged[0]["reference"] == "paycode"


@pytest.mark.parametrize("path", ["/v1/me/actions", "/v1/me/transfers"])
async def test_limits_are_bounded_and_forged_cursors_refused(
    client, database, settings, registry, bearer, path
) -> None:  # type: ignore[no-untyped-def]
    resident, _ = await resident_with_trips(database, settings, registry, "13900000726")
    me = bearer(Role.RESIDENT, str(resident))
    for limit in ("0", "-1", "201", "many"):
        response = await client.get(path, params={"limit": limit}, headers=me)
        assert_problem(response, 422, "validation_error")
    assert (await client.get(path, params={"limit": 200}, headers=me)).status_code == 200
    too_long = await client.get(path, params={"cursor": "A" * 500}, headers=me)
    assert_problem(too_long, 422, "validation_error")
    for cursor in BAD_CURSORS:
        response = await client.get(path, params={"cursor": cursor}, headers=me)
        assert_problem(response, 422, "invalid_cursor")
