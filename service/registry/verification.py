"""The verifier's check of a submitted batch: the manifest still hashes to what was sealed, and a random
sample of its actions, replayed with the code and parameters they recorded (``tanbi action replay``), gives
the same grams. The seed, the sample and every replay's result are recorded on the batch, passed or not."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.actions.models import Action
from service.actions.replay import Replayer
from service.db.sql import atomic
from service.methodology.registry import Registry
from service.registry.batches import _expect, batch, manifest, manifest_rows
from service.registry.models import BatchStatus, CreditBatch
from service.settings import Settings

MAX_SAMPLE = 500


@atomic
async def verify(
    session: AsyncSession,
    settings: Settings,
    registry: Registry,
    batch_id: int,
    sample_size: int,
    verifier: str,
    now: dt.datetime,
) -> CreditBatch:
    found = await batch(session, batch_id, for_update=True)
    _expect(found, BatchStatus.SUBMITTED, "verified")
    rows = await manifest_rows(session, batch_id)
    sealed = hashlib.sha256(manifest(rows).encode()).hexdigest() == found.manifest_sha256
    seed = secrets.randbits(63)
    # Seeded so anyone can redraw the same sample from the recorded seed; the seed itself is secret-random.
    sampler = random.Random(seed)  # noqa: S311
    drawn = sorted(sampler.sample([r[0] for r in rows], min(sample_size, len(rows))))
    stored = {action_id: (grams, params_hash) for action_id, grams, params_hash in rows}
    replays = [
        await _replay(session, settings, registry, action_id, stored[action_id]) for action_id in drawn
    ]
    passed = sealed and all(r["matches"] for r in replays)
    found.verification = {
        "outcome": "passed" if passed else "failed",
        "manifest_matches": sealed,
        "seed": seed,
        "sample_size": len(drawn),
        "replays": replays,
        "by": verifier,
        "at": now.isoformat(),
    }
    if passed:
        found.status = BatchStatus.VERIFIED
        found.verified_by = verifier
        found.verified_at = now
    await session.flush()
    return found


async def _replay(
    session: AsyncSession,
    settings: Settings,
    registry: Registry,
    action_id: int,
    pooled: tuple[int, str],
) -> dict[str, Any]:
    action = await session.get(Action, action_id)
    assert action is not None  # batch_actions references it
    result = await Replayer(session, settings, registry).recompute(action)
    grams, params_hash = pooled
    return {
        "action_id": action_id,
        "pooled_grams": grams,
        "recomputed_grams": result.grams,
        "matches": result.grams == grams and result.params_hash == params_hash and not result.differences,
        "differences": result.differences,
    }
