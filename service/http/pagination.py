"""Opaque id cursors for the lists that page by ascending id: the last id of a page, base64-encoded."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from service.errors import Invalid


def after_id(cursor: str) -> int:
    """The id a cursor this API gave out stands for; 422 ``invalid_cursor`` for anything else."""
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError as exc:
        raise Invalid("the cursor is not one this API gave out", code="invalid_cursor") from exc


def next_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """The cursor after ``rows[:limit]`` when ``rows`` (fetched with ``limit + 1``) has more, else None."""
    if len(rows) <= limit:
        return None
    return base64.urlsafe_b64encode(str(rows[limit - 1].id).encode()).decode()
