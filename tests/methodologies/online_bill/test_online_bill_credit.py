"""online_bill through the real credit path (embedded SQLite): whatever bills arrive, in whatever order, no
resident is credited more than 10 bills a month and no account's billing month is credited twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import strategies as st

from methodologies.online_bill import VERSIONS
from tests.methodologies.counted import RESIDENT, Counted
from tests.methodologies.online_bill.test_online_bill import NOW, ZONE, bill

RULES = Counted(
    "online_bill",
    VERSIONS,
    claim_of=lambda e: (e["utility"], e["account"], e["billing_month"]),
    # The cap period: the local calendar month of the payment.
    period_of=lambda e: dt.datetime.fromisoformat(e["paid_at"]).astimezone(ZONE).strftime("%Y-%m"),
    limit=10,
    cap_reason="monthly_cap",
    grams=5,
    now=NOW,
    zone=ZONE,
)
UTILITIES = ("electricity", "water", "gas")
# Mostly valid bills paid this November, so that residents reach the monthly cap; the rest are anything the
# schema allows near the cap (paid in October, paper, below 1 元, a billing month too old or after payment).
a_valid_bill = st.builds(
    bill,
    utility=st.sampled_from(UTILITIES),
    account=st.sampled_from([f"acct-{n}" for n in range(6)]),
    month=st.sampled_from(["2026-10", "2026-11"]),
    paid_at=st.integers(min_value=0, max_value=19 * 24).map(lambda h: NOW - dt.timedelta(hours=h)),
)
any_bill = st.builds(
    bill,
    utility=st.sampled_from(UTILITIES),
    account=st.sampled_from([f"acct-{n}" for n in range(6)]),
    month=st.sampled_from(["2026-08", "2026-09", "2026-10", "2026-11"]),
    paid_at=st.integers(min_value=0, max_value=40 * 24).map(lambda h: NOW - dt.timedelta(hours=h)),
    amount_fen=st.sampled_from([18650, 100, 99]),
    paperless=st.booleans(),
)
a_bill = st.one_of(a_valid_bill, a_valid_bill, a_valid_bill, any_bill)


def test_the_worked_example_and_both_rules_on_the_database(sqlite_url: str, tmp_path: Path) -> None:
    three = [
        bill("electricity", "E-1", paid_at=NOW - dt.timedelta(days=15)),
        bill("water", "W-1", paid_at=NOW - dt.timedelta(days=10)),
        bill("gas", "G-1", paid_at=NOW - dt.timedelta(days=8)),
    ]
    more = [bill("electricity", f"E-{n}", paid_at=NOW - dt.timedelta(days=1, hours=n)) for n in range(2, 11)]
    sequence = [(0, e) for e in [*three, three[0], *more]]
    with RULES.on_sqlite(sqlite_url, tmp_path) as credit_all:
        outcomes = credit_all(sequence)
    assert outcomes[:3] == [("accepted", 5, ())] * 3  # three paperless bills in one month: 15 g
    assert outcomes[3][:2] == ("rejected", 0)
    assert "duplicate_evidence" in outcomes[3][2]  # the electricity bill again
    assert outcomes[4:11] == [("accepted", 5, ())] * 7
    assert outcomes[11:] == [("rejected", 0, ("monthly_cap",))] * 2  # the 11th and 12th bill of the month
    RULES.check(sequence, outcomes)


def test_caps_hold_and_no_bill_is_credited_twice(sqlite_url: str, tmp_path: Path) -> None:
    RULES.caps_and_claims_hold(sqlite_url, tmp_path, st.tuples(RESIDENT, a_bill), size=40)


def test_what_one_resident_is_credited_does_not_depend_on_arrival_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    RULES.order_does_not_matter(sqlite_url, tmp_path, a_bill, size=24)
