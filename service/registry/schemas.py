"""Request and response bodies of the registry: the city's and the verifier's operations, and the public
record (projects, batches with their manifests' hashes, blocks and their holders, retirements)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreditingProjectIn(_In):
    methodology_id: str = Field(min_length=1, max_length=64, description="a tradable methodology's id")
    name: str = Field(min_length=1, max_length=200, description="the project's name, as buyers will read it")
    registry_name: str = Field(
        min_length=1,
        max_length=200,
        description="where its units are registered (Tanbi's registry, an exchange)",
    )
    buffer_share: Decimal = Field(
        ge=0, lt=1, max_digits=5, decimal_places=4, description="share of every batch held back as a buffer"
    )
    eligible_params_versions: list[int] = Field(
        min_length=1,
        max_length=100,
        description="parameter versions whose actions may be pooled; each conservative (factor below 1)",
    )


class CreditingProjectOut(_Out):
    id: int = Field(description="the project's id")
    methodology_id: str = Field(description="the methodology whose reductions it pools")
    name: str = Field(description="the project's name")
    registry_name: str = Field(description="where its units are registered")
    buffer_share: Decimal = Field(description="share of every batch held back as a buffer")
    eligible_params_versions: list[int] = Field(description="parameter versions whose actions may be pooled")
    created_at: dt.datetime = Field(description="when the city defined it (ISO 8601, UTC)")


class BatchIn(_In):
    project_id: int = Field(ge=1, description="the crediting project")
    vintage: int = Field(ge=2000, le=2100, description="the year of the actions' local dates")
    period_start: dt.date = Field(description="first day of the monitoring period (in the vintage)")
    period_end: dt.date = Field(description="last day of the monitoring period (over, in the vintage)")


class VerifyIn(_In):
    sample_size: int = Field(default=50, ge=1, le=500, description="actions to replay, drawn at random")


BatchStatusName = Literal["draft", "submitted", "verified", "issued"]


class BatchOut(_Out):
    id: int = Field(description="the batch's number (B{id} in its serials)")
    project_id: int = Field(description="its crediting project")
    methodology_id: str = Field(description="the methodology of its actions")
    vintage: int = Field(description="the year of its actions")
    period_start: dt.date = Field(description="first day of the monitoring period")
    period_end: dt.date = Field(description="last day of the monitoring period")
    status: BatchStatusName = Field(description="draft → submitted → verified → issued")
    actions: int = Field(description="actions pooled")
    gross_grams: int = Field(description="grams CO2e of its actions")
    buffer_grams: int = Field(description="grams held back for the buffer (rounded up)")
    net_grams: int = Field(description="gross minus buffer")
    carried_in_grams: int = Field(description="net grams below a tonne carried from the previous batch")
    units: int = Field(description="whole tonnes issued to the city")
    buffer_units: int = Field(description="whole tonnes issued to the buffer")
    carried_grams: int = Field(description="net grams below a tonne carried to the next batch")
    carried_buffer_grams: int = Field(description="buffer grams below a tonne carried to the next batch")
    reversed_grams: int = Field(
        description="grams of its actions reversed since; covered by cancelled buffer units"
    )
    manifest_sha256: str = Field(
        description="SHA-256 of its manifest (action id, grams, parameter hash per line)"
    )
    first_serial: str | None = Field(description="its first serial once issued")
    last_serial: str | None = Field(description="its last serial once issued (buffer included)")
    verification: dict[str, Any] | None = Field(
        description="the verifier's last check: outcome, seed, sampled actions and their replays"
    )
    drafted_at: dt.datetime = Field(description="when it was drafted")
    verified_at: dt.datetime | None = Field(description="when it passed verification")
    issued_at: dt.datetime | None = Field(description="when its units were issued")


class BuyerIn(_In):
    name: str = Field(
        min_length=1, max_length=200, description="the buying company's registered name (public)"
    )


HolderKindName = Literal["city", "buyer", "buffer", "retirement", "cancellation"]


class HolderOut(_Out):
    id: int = Field(description="the registry account's id")
    kind: HolderKindName = Field(description="who holds: the city, a buyer, the buffer, retired or cancelled")
    name: str = Field(description="the holder's public name")
    units: int = Field(description="units it holds now, all batches")


class SaleIn(_In):
    batch_id: int = Field(ge=1, description="the batch the units are of")
    units: int = Field(ge=1, le=10_000_000, description="whole tonnes sold, lowest serials first")
    buyer_id: int = Field(ge=1, description="the buyer's registry account")
    price_per_tonne: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="CNY per tonne")
    exchange_reference: str = Field(
        min_length=1, max_length=200, description="the exchange's trade reference"
    )


class RetireIn(_In):
    batch_id: int = Field(ge=1, description="the batch the units are of")
    units: int = Field(ge=1, le=10_000_000, description="whole tonnes retired, from one block")
    holder_id: int = Field(ge=1, description="the account retiring them: the city or a buyer")
    beneficiary: str = Field(min_length=1, max_length=200, description="on whose behalf they are retired")
    purpose: str = Field(min_length=1, max_length=500, description="why (offsetting what, for which year)")


class OperationOut(_Out):
    id: int = Field(description="the operation's id")
    kind: Literal["issue", "transfer", "retire", "cancel"] = Field(description="what moved the units")
    batch_id: int = Field(description="the batch the units are of")
    from_account: str | None = Field(description="who gave them (null for an issue)")
    to_account: str = Field(description="who got them")
    units: int = Field(description="whole tonnes moved")
    first_serial: str = Field(description="the first serial moved")
    last_serial: str = Field(description="the last serial moved")
    details: dict[str, Any] = Field(description="a sale's price and reference, a retirement's beneficiary...")
    at: dt.datetime = Field(description="when (ISO 8601, UTC)")


class SerialBlockOut(_Out):
    id: int = Field(description="the block's id")
    batch_id: int = Field(description="the batch the units are of")
    first_serial: str = Field(description="its first serial")
    last_serial: str = Field(description="its last serial")
    units: int = Field(description="whole tonnes in it")
    holder_kind: HolderKindName = Field(description="what kind of holder has it")
    holder: str = Field(description="the holder's public name (companies by name, residents never)")


class RetirementOut(_Out):
    id: int = Field(description="the retirement's id (its certificate's number)")
    batch_id: int = Field(description="the batch the units are of")
    methodology_id: str = Field(description="the methodology of the reductions")
    vintage: int = Field(description="the year of the reductions")
    units: int = Field(description="whole tonnes CO2e retired")
    first_serial: str = Field(description="the first serial retired")
    last_serial: str = Field(description="the last serial retired")
    holder: str = Field(description="who retired them")
    beneficiary: str = Field(description="on whose behalf")
    purpose: str = Field(description="why")
    retired_at: dt.datetime = Field(description="when (ISO 8601, UTC); final")
    certificate_url: str = Field(description="the certificate's PDF")
    page_url: str = Field(description="the certificate's public page")


class SerialOut(_Out):
    """A serial that exists (a mistyped or altered one is 422 invalid_serial, one never issued 404)."""

    serial: str = Field(description="the serial asked about")
    batch_id: int = Field(description="its batch")
    holder_kind: HolderKindName = Field(description="who holds it now")
    holder: str = Field(description="its holder's public name")
    block: SerialBlockOut = Field(description="the block it is in now")
    retirement: RetirementOut | None = Field(description="its retirement, if it was retired")
