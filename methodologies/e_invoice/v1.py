"""e_invoice 1.0.0: an invoice issued to a resident electronically instead of on paper.

reduction = invoices x e_invoice_g                                   (one invoice; x conservativeness)

Ant Forest's figure per e-invoice, the only published one; it has no published derivation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import AwareDatetime, Field

from methodologies._common.factors import named_factor
from methodologies._common.readme import readme_of
from methodologies._common.sources import TANBI_V2
from methodologies._common.timing import window_reasons
from methodologies._sdk import (
    API_VERSION,
    BaseMethodology,
    Cap,
    Claim,
    Conservative,
    Context,
    Evidence,
    Quantity,
    Verdict,
    factor,
    identifier,
    setting,
)

ANT_FOREST_E_INVOICE = (
    "Alipay Ant Forest (支付宝蚂蚁森林) green-energy rules (能量产生规则), as republished 2022-11-24, "
    "电子发票: 5 g per e-invoice, the first 5 a day; no derivation published"
)


class EInvoiceEvidence(Evidence):
    invoice: str = identifier(
        "invoice",
        description="the invoice's national number: a fully digital invoice's (数电票) 20-digit 发票号码, or "
        "发票代码 followed by 发票号码 for an older VAT e-invoice",
    )
    issued_at: AwareDatetime = Field(description="when the invoice was issued (开票时间), with zone")


class EInvoiceParams(Conservative):
    e_invoice_g: Decimal = factor(
        "5", unit="g CO2 / e-invoice", source=ANT_FOREST_E_INVOICE, year=2022, ge=0, le=100
    )
    daily_max_invoices: int = setting(
        5,
        unit="credited invoices / resident / local day",
        source=ANT_FOREST_E_INVOICE,
        year=2022,
        ge=1,
        le=50,
    )
    stale_days: int = setting(30, unit="days after issued_at", source=TANBI_V2, year=2026, ge=1, le=90)
    future_tolerance_minutes: int = setting(5, unit="minutes", source=TANBI_V2, year=2026, ge=0, le=60)


class EInvoiceV1(BaseMethodology):
    id = "e_invoice"
    version = "1.0.0"
    title = "E-invoice (电子发票)"
    source = "Ant Forest (支付宝蚂蚁森林) green-energy rules, as republished 2022; Tanbi methodologies v2"
    api_version = API_VERSION
    family = "online_payment"
    partner = (
        "merchant or tax e-invoice platform (商户/电子发票开票平台): it issued the invoice to the resident; "
        "Tanbi hashes the invoice number"
    )
    reasons = {
        "duplicate_evidence": ("同一张发票已计入过", "the same invoice was credited before"),
        "daily_cap": (
            "超出每日电子发票张数上限（默认 5 张）",
            "past daily_max_invoices e-invoices (default 5) that day",
        ),
    }
    example = {"invoice": "26362000000012345678", "issued_at": "2026-11-19T12:31:08+08:00"}
    Evidence = EInvoiceEvidence
    Params = EInvoiceParams

    @property
    def readme(self) -> str:
        return readme_of("methodologies.e_invoice")

    def verify(self, evidence: EInvoiceEvidence, params: EInvoiceParams, context: Context) -> Verdict:
        return Verdict.of(
            window_reasons(
                evidence.issued_at,
                context,
                stale_days=params.stale_days,
                future_minutes=params.future_tolerance_minutes,
            )
        )

    def quantify(self, evidence: EInvoiceEvidence, params: EInvoiceParams) -> Quantity:
        invoices = Decimal(1)
        return Quantity.of(
            invoices * params.e_invoice_g,
            formula="invoices x e_invoice_g",
            inputs={"invoices": invoices},
            factors=(named_factor(params, "e_invoice_g"),),
            gas="CO2",
            conservativeness=params.conservativeness,
        )

    def occurred_at(self, evidence: EInvoiceEvidence) -> dt.datetime:
        return evidence.issued_at

    def claims(self, evidence: EInvoiceEvidence) -> tuple[Claim, ...]:
        return (Claim(f"e_invoice:{evidence.invoice}"),)

    def caps(self, evidence: EInvoiceEvidence, params: EInvoiceParams) -> tuple[Cap, ...]:
        return (Cap("daily_cap", "actions", "day", Decimal(params.daily_max_invoices), Decimal(1)),)
