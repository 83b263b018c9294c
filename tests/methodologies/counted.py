"""The credit-path properties of a counted methodology, through the real ActionService on the embedded SQLite
database: each valid report is worth the same grams, credited once per piece of evidence (its claim), and at
most ``limit`` times per resident per cap period. Shared by online_bill, e_invoice, no_cutlery_order and
reusable_bag, whose rules differ only in what the claim, the period and the limit are."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from methodologies._sdk import Context
from service.actions.service import ActionService
from service.city.rollups import RollupLog
from service.methodology.registry import Registry
from tests.conftest import make_settings
from tests.fixtures.databases import engine_for, rolled_back
from tests.integration.actions.conftest import new_resident

Report = tuple[int, dict[str, Any]]  # (which resident, the evidence)
Outcome = tuple[str, int, tuple[str, ...]]  # (status, credited grams, reasons)


@dataclass(frozen=True)
class Counted:
    slug: str
    versions: tuple[Any, ...]
    claim_of: Callable[[dict[str, Any]], Hashable]  # the evidence credited once, ever
    period_of: Callable[[dict[str, Any]], Hashable]  # the cap period (a local day or month)
    limit: int  # credited reports per resident per period
    cap_reason: str
    grams: int  # what one valid report is worth
    now: dt.datetime
    zone: ZoneInfo

    def own_reasons(self, evidence: dict[str, Any]) -> tuple[str, ...]:
        """The methodology's own verdict at ``now`` (no reasons: valid)."""
        methodology = self.versions[-1]
        parsed = methodology.Evidence.model_validate(evidence)
        return methodology.verify(parsed, methodology.Params(), Context(self.now, self.zone)).reasons

    def expected(self, sequence: list[Report]) -> list[str | None]:
        """Why a correct credit path rejects each report in turn (None: credited): the methodology's own
        checks, then a claim already taken, then the resident's period already full."""
        claimed: set[Hashable] = set()
        used: Counter[tuple[int, Hashable]] = Counter()
        why: list[str | None] = []
        for resident, evidence in sequence:
            reasons = self.own_reasons(evidence)
            if reasons:
                why.append(reasons[0])
            elif self.claim_of(evidence) in claimed:
                why.append("duplicate_evidence")
            elif used[resident, self.period_of(evidence)] >= self.limit:
                why.append(self.cap_reason)
            else:
                claimed.add(self.claim_of(evidence))
                used[resident, self.period_of(evidence)] += 1
                why.append(None)
        return why

    def check(self, sequence: list[Report], outcomes: list[Outcome]) -> None:
        """Caps hold, nothing is credited twice, each credit is worth ``grams``, each decision is expected."""
        credited = [r for r, (status, _, _) in zip(sequence, outcomes, strict=True) if status == "accepted"]
        per_period = Counter((resident, self.period_of(e)) for resident, e in credited)
        assert all(count <= self.limit for count in per_period.values()), per_period
        per_claim = Counter(self.claim_of(e) for _, e in credited)
        assert all(count == 1 for count in per_claim.values()), per_claim
        for want, (status, grams, reasons) in zip(self.expected(sequence), outcomes, strict=True):
            assert (status, grams) == (("accepted", self.grams) if want is None else ("rejected", 0))
            assert want is None or want in reasons, (want, reasons)

    @contextmanager
    def on_sqlite(self, url: str, tmp_path: Path) -> Iterator[Callable[[list[Report]], list[Outcome]]]:
        """A function crediting a sequence on the session's SQLite database, each in a transaction rolled back
        at the end (its own event loop: hypothesis calls it synchronously)."""
        runner = asyncio.Runner()
        engine = runner.run(_engine(url))
        app_settings = make_settings(tmp_path, None)
        try:
            yield lambda sequence: runner.run(self._credit(engine, app_settings, sequence))
        finally:
            runner.run(engine.dispose())
            runner.close()

    async def _credit(self, engine: Any, app_settings: Any, sequence: list[Report]) -> list[Outcome]:
        registry = Registry()
        registry.add(self.slug, self.versions)
        async with rolled_back(engine) as database, database.session() as session:
            residents = [await new_resident(session, f"1390000000{n}") for n in range(2)]
            service = ActionService(
                session, app_settings, registry, clock=lambda: self.now, rollups=RollupLog()
            )
            outcomes = []
            for n, (resident, evidence) in enumerate(sequence):
                recorded = await service.record_action(
                    residents[resident], self.slug, evidence, None, f"src:{n}"
                )
                action = recorded.action
                outcomes.append((action.status, action.grams, tuple(action.reasons)))
            return outcomes

    def caps_and_claims_hold(
        self, url: str, tmp_path: Path, reports: st.SearchStrategy[Report], size: int
    ) -> None:
        """Property: whatever two residents' reports arrive, caps hold and no evidence is credited twice."""
        with self.on_sqlite(url, tmp_path) as credit_all:

            @settings(max_examples=30, deadline=None)
            @given(sequence=st.lists(reports, min_size=size // 3, max_size=size))
            def property_(sequence: list[Report]) -> None:
                self.check(sequence, credit_all(sequence))

            property_()

    def order_does_not_matter(
        self, url: str, tmp_path: Path, evidence: st.SearchStrategy[dict[str, Any]], size: int
    ) -> None:
        """Property: distinct evidence, each reported one or more times, credits one resident the same per
        period in any two orders of arrival: min(limit, the distinct valid pieces)."""
        distinct = st.lists(evidence, min_size=size // 2, max_size=size, unique_by=self.claim_of)
        reports = distinct.flatmap(
            lambda first: st.lists(st.sampled_from(first), max_size=size).map(lambda again: first + again)
        )
        with self.on_sqlite(url, tmp_path) as credit_all:

            @settings(max_examples=20, deadline=None)
            @given(data=st.data(), sequence=reports)
            def property_(data: st.DataObject, sequence: list[dict[str, Any]]) -> None:
                totals = []
                for arrival in (sequence, data.draw(st.permutations(sequence))):
                    outcomes = credit_all([(0, e) for e in arrival])
                    self.check([(0, e) for e in arrival], outcomes)
                    accepted = [e for e, o in zip(arrival, outcomes, strict=True) if o[0] == "accepted"]
                    totals.append(Counter(self.period_of(e) for e in accepted))
                valid = {self.claim_of(e): e for e in sequence if not self.own_reasons(e)}
                per_period = Counter(self.period_of(e) for e in valid.values())
                assert (
                    totals[0] == totals[1] == Counter({p: min(n, self.limit) for p, n in per_period.items()})
                )

            property_()


async def _engine(url: str):  # type: ignore[no-untyped-def]
    return engine_for(url)


def recent_times(now: dt.datetime) -> tuple[st.SearchStrategy[dt.datetime], ...]:
    """(today, yesterday, any time): mostly today and yesterday (two cap days), so residents reach a daily
    cap; the rest from 32 days ago (stale) to an hour from now (in the future)."""
    today = st.integers(min_value=0, max_value=20 * 60 - 1).map(lambda m: now - dt.timedelta(minutes=m))
    yesterday = st.integers(min_value=20 * 60, max_value=44 * 60 - 1).map(
        lambda m: now - dt.timedelta(minutes=m)
    )
    any_time = st.integers(min_value=-60, max_value=32 * 24 * 60).map(lambda m: now - dt.timedelta(minutes=m))
    return today, yesterday, any_time


RESIDENT = st.sampled_from([0, 0, 0, 1])  # mostly one resident, so caps are reached


def local_day(zone: ZoneInfo, field: str) -> Callable[[dict[str, Any]], dt.date]:
    """The cap period of a daily cap: the local day of the evidence's ``field``."""
    return lambda evidence: dt.datetime.fromisoformat(evidence[field]).astimezone(zone).date()
