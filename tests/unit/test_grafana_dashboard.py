"""deploy/grafana/tanbi.json: valid JSON whose every query reads a series the service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from service.metrics.business import Figures, families
from service.metrics.series import ApiSeries, JobSeries

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "tanbi.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exported() -> set[str]:
    figures = Figures({("bus_trip", "credited"): 1}, 0.0, 0, 1.0, 3)
    found = [*ApiSeries().registry.collect(), *JobSeries().registry.collect(), *families(figures)]
    return {family.name + suffix for family in found for suffix in SUFFIXES[family.type]}


def test_every_panel_queries_exported_series() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(expressions) >= 15
    used = {name for expr in expressions for name in re.findall(r"\btanbi_[a-z_]+", expr)}
    assert used <= _exported(), used - _exported()
    # What the issue asks the dashboard to show, each at least once.
    for wanted in (
        "tanbi_http_requests_total",
        "tanbi_http_request_duration_seconds_bucket",
        "tanbi_partner_events",
        "tanbi_outbox_backlog",
        "tanbi_outbox_oldest_received_age_seconds",
        "tanbi_job_runs_total",
        "tanbi_job_duration_seconds_bucket",
        "tanbi_redemptions_total",
        "tanbi_city_behind_seconds",
        "tanbi_city_rollup_waiting_actions",
        "tanbi_partition_months_ahead",
        "tanbi_db_pool_checked_out",
    ):
        assert wanted in used, wanted
    assert any("histogram_quantile(0.99" in e for e in expressions)
    assert any("histogram_quantile(0.5" in e for e in expressions)
