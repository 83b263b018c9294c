"""reusable_bag through the real credit path (embedded SQLite): whatever receipts arrive, in whatever order,
no resident is credited more than 3 receipts a local day and no receipt is credited twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import strategies as st

from methodologies.reusable_bag import VERSIONS
from tests.methodologies.counted import RESIDENT, Counted, local_day, recent_times
from tests.methodologies.reusable_bag.test_reusable_bag import NOW, ZONE, receipt

RULES = Counted(
    "reusable_bag",
    VERSIONS,
    claim_of=lambda e: e["receipt"],
    period_of=local_day(ZONE, "purchased_at"),
    limit=3,
    cap_reason="daily_cap",
    grams=5,
    now=NOW,
    zone=ZONE,
)
today, yesterday, any_time = recent_times(NOW)
numbers = st.sampled_from([f"0127-20261120-{n:06d}" for n in range(12)])
a_receipt = st.one_of(
    st.builds(receipt, number=numbers, purchased_at=st.one_of(today, today, yesterday)),
    st.builds(receipt, number=numbers, purchased_at=st.one_of(today, today, yesterday)),
    st.builds(receipt, number=numbers, purchased_at=any_time, bags=st.sampled_from([0, 0, 1, 2])),
)


def test_the_worked_examples_on_the_database(sqlite_url: str, tmp_path: Path) -> None:
    morning = dt.datetime(2026, 11, 19, 8, 0, tzinfo=ZONE)
    four = [(0, receipt(f"0127-20261119-00{n:04d}", morning + dt.timedelta(hours=3 * n))) for n in range(4)]
    again = (1, four[0][1])  # another resident reports the first receipt
    with RULES.on_sqlite(sqlite_url, tmp_path) as credit_all:
        outcomes = credit_all([*four, again])
    assert outcomes[0] == ("accepted", 5, ())  # one receipt without a bag: 5 g
    assert outcomes[:4] == [("accepted", 5, ())] * 3 + [("rejected", 0, ("daily_cap",))]
    assert sum(grams for _, grams, _ in outcomes) == 15  # four in a day: 15 g
    assert outcomes[4] == ("rejected", 0, ("duplicate_evidence",))
    RULES.check([*four, again], outcomes)


def test_caps_hold_and_no_receipt_is_credited_twice(sqlite_url: str, tmp_path: Path) -> None:
    RULES.caps_and_claims_hold(sqlite_url, tmp_path, st.tuples(RESIDENT, a_receipt), size=30)


def test_what_one_resident_is_credited_does_not_depend_on_arrival_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    RULES.order_does_not_matter(sqlite_url, tmp_path, a_receipt, size=12)
