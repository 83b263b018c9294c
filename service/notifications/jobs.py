"""Notification jobs: send the WeChat subscribe messages that are due (service/notifications/sending.py)."""

from __future__ import annotations

import logging

from service.db.base import utcnow
from service.jobs.context import JobContext
from service.notifications.sending import configured, plan, send_due

log = logging.getLogger("tanbi.notifications")

# Say "not configured" once per process, not every minute.
_told: set[str] = set()


async def send_subscribe_messages(ctx: JobContext) -> dict[str, int]:
    """Plan and send due subscribe messages; does nothing (and says so once) without WeChat configured."""
    settings = ctx["settings"]
    if not configured(settings):
        if "unconfigured" not in _told:
            _told.add("unconfigured")
            log.info(
                "WeChat subscribe messages are off: set TANBI_WECHAT__APP_ID, TANBI_WECHAT__APP_SECRET and "
                "TANBI_SUBSCRIBE__TEMPLATES to send them; nothing is sent"
            )
        return {}
    now = utcnow()
    planned = await plan(ctx["database"], settings, ctx["registry"], now)
    return {"planned": planned} | await send_due(ctx["database"], settings, now)
