"""SQL over the columns sealed with the secrets key (service/partners/crypto.py SecretBox)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import Base, table
from service.notifications.models import Subscription
from service.partners.models import PartnerSecret

# Every (model, column) whose values SecretBox sealed: a new one must be added here, or a secrets-key
# rotation leaves it under the old key (tests/integration/keys checks the list against the code's uses).
SEALED_COLUMNS: tuple[tuple[type[Base], str], ...] = (
    (PartnerSecret, "encrypted"),  # partners' webhook secrets
    (Subscription, "openid_sealed"),  # residents' WeChat openids for subscribe messages
)
PAGE = 1000


class SealedValueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pages(self, model: type[Base], column: str) -> AsyncIterator[list[tuple[int, str]]]:
        """(id, sealed value) of every row, a page at a time in id order, each row locked (PostgreSQL)."""
        rows = table(model)
        after = 0
        while True:
            stmt = (
                sa.select(rows.c.id, rows.c[column])
                .where(rows.c.id > after)
                .order_by(rows.c.id)
                .limit(PAGE)
                .with_for_update()
            )
            page = [(row[0], row[1]) for row in await self.session.execute(stmt)]
            if not page:
                return
            yield page
            after = page[-1][0]

    async def update(self, model: type[Base], column: str, values: dict[int, str]) -> None:
        if not values:
            return
        rows = table(model)
        stmt = sa.update(rows).where(rows.c.id == sa.bindparam("row_id"))
        await self.session.execute(
            stmt.values({column: sa.bindparam("value")}),
            [{"row_id": row_id, "value": value} for row_id, value in values.items()],
        )
