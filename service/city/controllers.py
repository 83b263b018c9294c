"""The city's API: reductions and the summary, as JSON or CSV, for city users and auditors."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.city.reductions import Report, parse_group_by, reductions
from service.city.schemas import ReductionsOut, SummaryOut
from service.city.summary import summary
from service.city.units import DEFAULT, Unit, column
from service.db.base import utcnow
from service.db.replica import LAG_HEADER, show_lag
from service.http.csv_response import CSV, attachment, csv_alternative, csv_response, wants_csv
from service.http.dates import query_date
from service.identity.guards import requires
from service.identity.principal import Role

VALUES = ("grams", "actions", "coins", "participants")

REDUCTIONS_CSV = (
    "CSV (UTF-8 with a byte-order mark): a header row of the grouping's keys, suppressed and the four "
    "figures (grams first; with unit=t or kg a co2e_t or co2e_kg column follows grams), one row per group, "
    "then the total's row (its keys say total) when there is a total; a suppressed row has empty figures"
)
SUMMARY_CSV = (
    "CSV (UTF-8 with a byte-order mark): section,name,value rows for to_date, this_year and coins (with "
    "unit=t or kg a co2e_t or co2e_kg row follows grams), then target:<id> rows (target, actual, progress, "
    "due) and target:<id>:family:<family> and target:<id>:district:<code> rows (target, actual, progress); "
    "a null value is empty"
)


FROM = QueryParameter(
    name="from",
    max_length=10,
    description="the range's first day, a local date (YYYY-MM-DD); default: January 1st this year",
)
TO = QueryParameter(
    max_length=10,
    description="the range's last day, a local date (YYYY-MM-DD); default: December 31st this year",
)
GROUP_BY = QueryParameter(
    max_length=64,
    description="comma-separated, any of day, month, year, family, methodology, district (at most one of "
    "day, month and year). Grouped by day, month or year the range must be whole days, months or years; "
    "not grouped by time it must be one whole day, month or year",
)
UNIT = QueryParameter(
    description="the unit of each figure's co2e: t (tonnes, 2 decimals), kg (kilograms, 1 decimal) or g "
    "(grams, an integer: the default). grams stays in grams whatever the unit"
)


class CityController(Controller):
    """Reads only: served by the read replica when one is configured (its lag in a header)."""

    path = "/v1/city"
    tags = ["city"]
    guards = requires(Role.CITY, Role.AUDITOR)
    after_request = show_lag
    response_headers = [LAG_HEADER]

    @get(
        "/reductions",
        operation_id="city_reductions",
        summary="Grams CO2e, actions, coins, participants by group",
        description="Cells of the published grid: a cell with fewer than k participants is hidden, with "
        "enough others that no hidden cell can be worked out. Send `Accept: text/csv` for CSV (as "
        "/v1/city/reductions.csv gives).",
        operation_class=csv_alternative(REDUCTIONS_CSV),
    )
    async def reductions(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        from_: Annotated[str | None, FROM] = None,
        to: Annotated[str | None, TO] = None,
        group_by: Annotated[str | None, GROUP_BY] = None,
        unit: Annotated[Unit, UNIT] = DEFAULT,
    ) -> Response[ReductionsOut]:
        return await self._reductions(request, read_session, from_, to, group_by, unit, wants_csv(request))

    @get(
        "/reductions.csv",
        operation_id="city_reductions_csv",
        summary="The same, as CSV",
        media_type=CSV,
        response_description=REDUCTIONS_CSV,
        response_headers=[attachment("reductions-<from>-<to>.csv")],
    )
    async def reductions_csv(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        from_: Annotated[str | None, FROM] = None,
        to: Annotated[str | None, TO] = None,
        group_by: Annotated[str | None, GROUP_BY] = None,
        unit: Annotated[Unit, UNIT] = DEFAULT,
    ) -> Response[bytes]:
        return await self._reductions(request, read_session, from_, to, group_by, unit, True)

    @get(
        "/summary",
        operation_id="city_summary",
        summary="Totals, participants, coins and progress to targets",
        description="Send `Accept: text/csv` for CSV (as /v1/city/summary.csv gives).",
        operation_class=csv_alternative(SUMMARY_CSV),
    )
    async def summary(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        unit: Annotated[Unit, UNIT] = DEFAULT,
    ) -> Response[SummaryOut]:
        body = await _summary(request, read_session, unit)
        return _summary_csv(body) if wants_csv(request) else Response(body)

    @get(
        "/summary.csv",
        operation_id="city_summary_csv",
        summary="The summary as CSV",
        media_type=CSV,
        response_description=SUMMARY_CSV,
        response_headers=[attachment("summary.csv")],
    )
    async def summary_csv(
        self,
        request: Request[Any, Any, Any],
        read_session: NamedDependency[AsyncSession],
        unit: Annotated[Unit, UNIT] = DEFAULT,
    ) -> Response[bytes]:
        return _summary_csv(await _summary(request, read_session, unit))

    async def _reductions(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        from_: str | None,
        to: str | None,
        group_by: str | None,
        unit: Unit,
        as_csv: bool,
    ) -> Response[Any]:
        settings = request.app.state.services.settings
        today = utcnow().astimezone(settings.zone).date()
        first = query_date(from_, "from") if from_ else today.replace(month=1, day=1)
        last = query_date(to, "to") if to else today.replace(month=12, day=31)
        families = request.app.state.services.registry.families()
        dims = parse_group_by(group_by)
        report = await reductions(session, first, last, dims, families, unit)
        return _report_csv(report) if as_csv else Response(report_json(report))


async def _summary(request: Request[Any, Any, Any], session: AsyncSession, unit: Unit) -> dict[str, Any]:
    services = request.app.state.services
    now = utcnow()
    today = now.astimezone(services.settings.zone).date()
    return await summary(session, services.settings.city, services.registry, today, now, unit)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "group_by": report.group_by,
        "k": report.k,
        **report.fresh.fields(),
        "unit": report.unit,
        "groups": [cell.public(report.unit) for cell in report.groups],
        "total": report.total.public(report.unit) if report.total else None,
    }


def _figures(unit: Unit) -> tuple[str, ...]:
    """The figures' CSV columns: grams, then (unless grams were asked for) co2e in the unit, the rest."""
    return VALUES if unit == "g" else ("grams", "co2e", *VALUES[1:])


def _header(name: str, unit: Unit) -> str:
    return column(unit) if name == "co2e" else name


def _report_csv(report: Report) -> Response[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    figures = _figures(report.unit)
    writer.writerow([*report.group_by, "suppressed", *(_header(f, report.unit) for f in figures)])
    for cell in [*report.groups, report.total]:
        if cell is None:
            continue
        row = cell.public(report.unit)
        keys = [row.get(d, "total" if cell is report.total else "") for d in report.group_by]
        writer.writerow(
            [*keys, str(row["suppressed"]).lower(), *("" if row[v] is None else row[v] for v in figures)]
        )
    name = f"reductions-{report.first}-{report.last}.csv"
    return csv_response(out.getvalue(), name)


def _summary_csv(body: dict[str, Any]) -> Response[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "value"])
    unit = body["unit"]
    for section in ("to_date", "this_year", "coins"):
        block = body[section]
        names = [n for n in block if n != "co2e"]
        if "co2e" in block and unit != "g":
            names.insert(names.index("grams") + 1, "co2e")
        for name in names:
            writer.writerow([section, _header(name, unit), _cell(block[name])])
    for target in body["targets"]:
        for name in ("target", "actual", "progress", "due"):
            writer.writerow([f"target:{target['id']}", name, _cell(target[name])])
        for kind, singular in (("families", "family"), ("districts", "district")):
            for part in target[kind]:
                for name in ("target", "actual", "progress"):
                    section = f"target:{target['id']}:{singular}:{part['id']}"
                    writer.writerow([section, name, _cell(part[name])])
    return csv_response(out.getvalue(), "summary.csv")


def _cell(value: Any) -> Any:
    return "" if value is None else value
