"""no_cutlery_order through the real credit path (embedded SQLite): whatever orders arrive, in whatever order,
no resident is credited more than 3 orders a local day and no order is credited twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import strategies as st

from methodologies.no_cutlery_order import VERSIONS
from tests.methodologies.counted import RESIDENT, Counted, local_day, recent_times
from tests.methodologies.no_cutlery_order.test_no_cutlery_order import NOW, ZONE, order

RULES = Counted(
    "no_cutlery_order",
    VERSIONS,
    claim_of=lambda e: e["order"],
    period_of=local_day(ZONE, "ordered_at"),
    limit=3,
    cap_reason="daily_cap",
    grams=10,
    now=NOW,
    zone=ZONE,
)
today, yesterday, any_time = recent_times(NOW)
numbers = st.sampled_from([f"30182691127455{n:05d}" for n in range(12)])
an_order = st.one_of(
    st.builds(order, number=numbers, ordered_at=st.one_of(today, today, yesterday)),
    st.builds(order, number=numbers, ordered_at=st.one_of(today, today, yesterday)),
    st.builds(order, number=numbers, ordered_at=any_time, no_cutlery=st.booleans()),
)


def test_the_worked_examples_on_the_database(sqlite_url: str, tmp_path: Path) -> None:
    lunch = dt.datetime(2026, 11, 19, 11, 30, tzinfo=ZONE)
    four = [(0, order(f"30182691127455300{n:02d}", lunch + dt.timedelta(hours=3 * n))) for n in range(4)]
    again = (1, four[0][1])  # another resident reports the first order
    with RULES.on_sqlite(sqlite_url, tmp_path) as credit_all:
        outcomes = credit_all([*four, again])
    assert outcomes[0] == ("accepted", 10, ())  # one order: 10 g
    assert outcomes[:4] == [("accepted", 10, ())] * 3 + [("rejected", 0, ("daily_cap",))]
    assert sum(grams for _, grams, _ in outcomes) == 30  # four in a day: 30 g
    assert outcomes[4] == ("rejected", 0, ("duplicate_evidence",))
    RULES.check([*four, again], outcomes)


def test_caps_hold_and_no_order_is_credited_twice(sqlite_url: str, tmp_path: Path) -> None:
    RULES.caps_and_claims_hold(sqlite_url, tmp_path, st.tuples(RESIDENT, an_order), size=30)


def test_what_one_resident_is_credited_does_not_depend_on_arrival_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    RULES.order_does_not_matter(sqlite_url, tmp_path, an_order, size=12)
