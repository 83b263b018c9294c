"""e_invoice through the real credit path (embedded SQLite): whatever invoices arrive, in whatever order, no
resident is credited more than 5 invoices a local day and no invoice is credited twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import strategies as st

from methodologies.e_invoice import VERSIONS
from tests.methodologies.counted import RESIDENT, Counted, local_day, recent_times
from tests.methodologies.e_invoice.test_e_invoice import NOW, ZONE, invoice

RULES = Counted(
    "e_invoice",
    VERSIONS,
    claim_of=lambda e: e["invoice"],
    period_of=local_day(ZONE, "issued_at"),
    limit=5,
    cap_reason="daily_cap",
    grams=5,
    now=NOW,
    zone=ZONE,
)
today, yesterday, any_time = recent_times(NOW)
an_invoice = st.builds(
    invoice,
    number=st.sampled_from([f"2636200000{n:010d}" for n in range(16)]),
    issued_at=st.one_of(today, today, yesterday, any_time),
)


def test_the_worked_example_on_the_database(sqlite_url: str, tmp_path: Path) -> None:
    day = dt.datetime(2026, 11, 19, 9, 0, tzinfo=ZONE)
    seven = [(0, invoice(f"2636200000001234567{n}", day + dt.timedelta(hours=n))) for n in range(7)]
    again = (1, seven[0][1])  # another resident reports the first invoice
    with RULES.on_sqlite(sqlite_url, tmp_path) as credit_all:
        outcomes = credit_all([*seven, again])
    assert outcomes[:5] == [("accepted", 5, ())] * 5
    assert outcomes[5:7] == [("rejected", 0, ("daily_cap",))] * 2
    assert sum(grams for _, grams, _ in outcomes) == 25
    assert outcomes[7] == ("rejected", 0, ("duplicate_evidence",))
    RULES.check([*seven, again], outcomes)


def test_caps_hold_and_no_invoice_is_credited_twice(sqlite_url: str, tmp_path: Path) -> None:
    RULES.caps_and_claims_hold(sqlite_url, tmp_path, st.tuples(RESIDENT, an_invoice), size=36)


def test_what_one_resident_is_credited_does_not_depend_on_arrival_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    RULES.order_does_not_matter(sqlite_url, tmp_path, an_invoice, size=14)
