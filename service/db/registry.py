"""The complete metadata: every domain's models imported in one place (for Alembic and for tests)."""

from __future__ import annotations

import sqlalchemy as sa

from service.db.base import Base


def metadata() -> sa.MetaData:
    from service.actions import models as action_models  # noqa: F401
    from service.attestations import models as attestation_models  # noqa: F401
    from service.audit import models as audit_models  # noqa: F401
    from service.city import models as city_models  # noqa: F401
    from service.donations import models as donation_models  # noqa: F401
    from service.identity import models as identity_models  # noqa: F401
    from service.ledger import models as ledger_models  # noqa: F401
    from service.merchants import models as merchant_models  # noqa: F401
    from service.methodology import models as methodology_models  # noqa: F401
    from service.notifications import models as notification_models  # noqa: F401
    from service.partners import models as partner_models  # noqa: F401
    from service.registry import models as registry_models  # noqa: F401

    return Base.metadata
