"""Every job and periodic job, listed in one place (nothing registers itself on import)."""

from __future__ import annotations

from dataclasses import dataclass

from service.city import jobs as city_jobs
from service.db import maintenance
from service.jobs.queue import JobFunction
from service.ledger import jobs as ledger_jobs
from service.merchants import jobs as merchant_jobs
from service.notifications import jobs as notification_jobs
from service.partners import jobs as partner_jobs


@dataclass(frozen=True)
class Periodic:
    name: str
    # arq cron fields (None: every value) for the worker; seconds between runs for the embedded runner.
    minute: set[int] | None
    hour: set[int] | None
    setting: str  # JobSettings attribute holding the embedded interval


JOBS: dict[str, JobFunction] = {
    "void_expired_holds": ledger_jobs.void_expired_holds,
    "expire_lots": ledger_jobs.expire_lots,
    "process_partner_events": partner_jobs.process_partner_events,
    "sweep_partner_events": partner_jobs.sweep_partner_events,
    "lapse_vouchers": merchant_jobs.lapse_vouchers,
    "publish_city": city_jobs.publish_city,
    "fold_rollups": city_jobs.fold_rollups,
    "send_subscribe_messages": notification_jobs.send_subscribe_messages,
    "ensure_partitions": maintenance.ensure_partitions,
}

PERIODIC: tuple[Periodic, ...] = (
    Periodic("void_expired_holds", minute=None, hour=None, setting="hold_sweep_seconds"),
    # 00:05 city time is 16:05 UTC; arq's cron runs in UTC by default, so run hourly at :05 and let the
    # job's own "expired by now" query decide: lots expire at local midnight.
    Periodic("expire_lots", minute={5}, hour=None, setting="expiry_sweep_seconds"),
    Periodic("sweep_partner_events", minute=None, hour=None, setting="event_sweep_seconds"),
    Periodic("lapse_vouchers", minute=None, hour=None, setting="voucher_sweep_seconds"),
    # Credits are logged for the city in their own transaction; folding them into the roll-ups is this job's.
    Periodic("fold_rollups", minute=None, hour=None, setting="rollup_fold_seconds"),
    # The city reads the published grid: a few minutes behind the credits, never a live sum.
    Periodic("publish_city", minute=set(range(0, 60, 5)), hour=None, setting="city_publish_seconds"),
    # WeChat subscribe messages: planned from the derived notices and sent, each at most once, every minute.
    Periodic("send_subscribe_messages", minute=None, hour=None, setting="subscribe_send_seconds"),
    # Monthly partitions (PostgreSQL): next month's is made within the hour this month begins.
    Periodic("ensure_partitions", minute={17}, hour=None, setting="partition_seconds"),
)
