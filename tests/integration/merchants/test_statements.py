"""Statements reconcile with the ledger: per-day rows, totals, opening + net = closing = the balance."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from service.db.base import utcnow
from service.identity.principal import Role
from service.ledger.models import Transfer
from service.merchants import paycodes, vouchers
from tests.integration.merchants.conftest import approved_offer, balance, funded_resident, new_merchant


async def test_statement_days_and_totals_match_the_ledger(client, database, settings, bearer) -> None:  # type: ignore[no-untyped-def]
    zone = settings.zone
    today = utcnow().astimezone(zone).date()
    async with database.session() as session:
        merchant = await new_merchant(session)
        resident = await funded_resident(session, settings, 200)
        offer = await approved_offer(session, merchant, price=15, stock=5, limit=5)
        for n, amount in enumerate((20, 30)):
            code = (await paycodes.issue_paycode(session, settings, resident, utcnow())).code
            charge, _ = await paycodes.charge(session, settings, merchant, code, amount, f"s{n}", utcnow())
        voucher = await vouchers.claim(session, settings, resident, offer, utcnow())
        await vouchers.consume(session, settings, merchant, voucher.code, utcnow())
        await paycodes.refund(session, settings, merchant, charge.id, utcnow())
        # Move the first charge to yesterday (local), so the statement has two days with activity.
        first = await session.scalar(sa.select(sa.func.min(Transfer.id)).where(Transfer.kind == "charge"))
        await session.execute(
            sa.update(Transfer).where(Transfer.id == first).values(created_at=utcnow() - dt.timedelta(days=1))
        )
        merchant_balance, _ = await balance(session, f"merchant:{merchant}")
        await session.commit()
    till = bearer(Role.MERCHANT, str(merchant))
    yesterday = today - dt.timedelta(days=1)
    whole = await client.get(f"/v1/merchant/statements?from={yesterday}&to={today}", headers=till)
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["opening_balance"] == 0
    assert body["closing_balance"] == merchant_balance == 20 + 30 + 15 - 30
    days = {d["date"]: d for d in body["days"]}
    assert days[str(yesterday)]["charge_coins"] == 20
    assert (days[str(today)]["charges"], days[str(today)]["charge_coins"]) == (1, 30)
    assert (days[str(today)]["vouchers"], days[str(today)]["voucher_coins"]) == (1, 15)
    assert (days[str(today)]["refunds"], days[str(today)]["refund_coins"]) == (1, 30)
    assert body["totals"]["net_coins"] == 35

    just_today = (await client.get(f"/v1/merchant/statements?from={today}&to={today}", headers=till)).json()
    assert just_today["opening_balance"] == 20
    assert just_today["opening_balance"] + just_today["totals"]["net_coins"] == just_today["closing_balance"]

    # Lines: every transfer with the running balance; yuan at the default 0.01 a coin.
    assert [(x["kind"], x["coins"], x["balance"], x["yuan"]) for x in body["lines"]] == [
        ("charge", 20, 20, "0.20"),
        ("charge", 30, 50, "0.30"),
        ("voucher", 15, 65, "0.15"),
        ("refund", -30, 35, "-0.30"),
    ]
    assert (body["yuan_per_coin"], body["opening_yuan"], body["closing_yuan"]) == ("0.01", "0.00", "0.35")
    assert body["totals"]["net_yuan"] == "0.35"
    assert just_today["lines"][0]["balance"] == 20 + 30

    as_csv = await client.get(
        f"/v1/merchant/statements?from={yesterday}&to={today}&format=csv&rows=days", headers=till
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [r["date"] for r in rows] == [str(yesterday), str(today), "total"]
    assert (int(rows[-1]["net_coins"]), rows[-1]["net_yuan"]) == (35, "0.35")
    by_accept = await client.get(
        f"/v1/merchant/statements?from={today}&to={today}", headers=till | {"accept": "text/csv"}
    )
    lines = list(csv.DictReader(io.StringIO(by_accept.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["coins"], r["balance"]) for r in lines] == [
        ("opening", "", "20"),
        ("charge", "30", "50"),
        ("voucher", "15", "65"),
        ("refund", "-30", "35"),
        ("closing", "", "35"),
    ]
    zh = await client.get(f"/v1/merchant/statements?from={today}&to={today}&format=csv&lang=zh", headers=till)
    table = list(csv.reader(io.StringIO(zh.content.decode("utf-8-sig"))))
    assert table[0] == ["时间", "日期", "类型", "流水号", "碳币", "余额（碳币）", "金额（元）", "余额（元）"]
    assert [row[2] for row in table[1:]] == ["期初余额", "付款码收款", "核销券", "退款", "期末余额"]
    by_header = await client.get(
        f"/v1/merchant/statements?from={today}&to={today}&format=csv&rows=days",
        headers=till | {"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"},
    )
    assert by_header.content.decode("utf-8-sig").splitlines()[0].startswith("日期,付款码收款笔数")
    assert by_header.content.decode("utf-8-sig").splitlines()[-1].startswith("合计,")
    english = await client.get(
        f"/v1/merchant/statements?from={today}&to={today}&format=csv&lang=en",
        headers=till | {"accept-language": "zh-CN"},
    )
    assert english.content.decode("utf-8-sig").startswith("time,date,kind")

    backwards = await client.get(f"/v1/merchant/statements?from={today}&to={yesterday}", headers=till)
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_range")
    nonsense = await client.get("/v1/merchant/statements?from=yesterday&to=today", headers=till)
    assert (nonsense.status_code, nonsense.json()["code"]) == (422, "invalid_date")
