"""Each operation's own problem codes, beyond what its security and inputs imply (service/http/contract.py).

Keyed by (METHOD, path template as the OpenAPI document writes it). The suite holds the service to this
list: an operation that answers a status or code not listed here (or implied) fails the run
(tests/fixtures/problems.py), and the schemathesis run (tests/e2e/test_openapi_contract.py) checks every
documented operation against it.
"""

from __future__ import annotations

PARTNER = "/v1/partners/{partner_id}"

REDUCTIONS = {
    422: (
        "invalid_date",
        "invalid_group_by",
        "invalid_range",
        "range_not_a_period",
        "range_not_whole_periods",
    )
}

PROBLEMS: dict[tuple[str, str], dict[int, tuple[str, ...]]] = {
    ("GET", "/v1/actions/{action_id}/explain"): {404: ("action_not_found",)},
    ("GET", "/v1/attestations/{attestation_id}"): {404: ("attestation_not_found",)},
    ("POST", "/v1/benefits/{benefit_id}/claim"): {
        403: ("not_eligible",),
        404: ("benefit_not_found", "offer_not_found"),
        409: ("insufficient_funds", "limit_reached", "offer_not_available", "sold_out"),
    },
    ("POST", "/v1/city/benefits"): {422: ("invalid_validity",)},
    ("PATCH", "/v1/city/benefits/{benefit_id}"): {
        404: ("benefit_not_found",),
        409: ("stock_below_claimed",),
        422: ("invalid_validity", "null_field"),
    },
    ("POST", "/v1/auth/api-key"): {401: ("invalid_api_key",), 429: ("rate_limited",)},
    ("POST", "/v1/auth/dev"): {422: ("invalid_phone",), 429: ("rate_limited",)},
    ("POST", "/v1/auth/refresh"): {401: ("invalid_refresh_token", "refresh_token_reused")},
    ("POST", "/v1/auth/wechat"): {
        401: ("account_deleted", "wechat_invalid_code"),
        429: ("rate_limited",),
        502: ("wechat_error", "wechat_unavailable"),
        503: ("wechat_not_configured",),
    },
    ("POST", "/v1/city/offers/{offer_id}/approve"): {404: ("offer_not_found",), 409: ("offer_changed",)},
    ("POST", "/v1/city/offers/{offer_id}/reject"): {
        404: ("offer_not_found",),
        409: ("offer_changed", "offer_not_pending"),
    },
    ("POST", "/v1/city/welfare-projects"): {},
    ("PATCH", "/v1/city/welfare-projects/{project_id}"): {
        404: ("welfare_project_not_found",),
        422: ("null_field",),
    },
    ("GET", "/v1/donations/{serial}"): {
        404: ("donation_not_found",),
        422: ("invalid_serial", "serial_check_failed"),
    },
    ("GET", "/v1/city/reductions"): REDUCTIONS,
    ("GET", "/v1/city/reductions.csv"): REDUCTIONS,
    ("GET", "/v1/ledger/accounts/{account_id}"): {404: ("account_not_found",)},
    ("PATCH", "/v1/me"): {422: ("unknown_district",)},
    ("GET", "/v1/me/actions/{action_id}"): {404: ("action_not_found",)},
    ("POST", "/v1/me/attestations"): {
        422: ("attestation_too_long", "invalid_range", "nothing_disclosed"),
        503: ("attestations_not_configured",),
    },
    ("POST", "/v1/me/attestations/{attestation_id}/revoke"): {404: ("attestation_not_found",)},
    ("POST", "/v1/me/assets"): {
        403: ("asset_registered_by_partner",),
        409: ("asset_exists",),
        422: ("invalid_asset", "unknown_asset_kind"),
    },
    ("POST", "/v1/me/bindings"): {409: ("subject_bound",), 422: ("invalid_link_token",)},
    ("DELETE", "/v1/me/bindings/{binding_id}"): {404: ("binding_not_found",)},
    ("POST", "/v1/me/donations"): {
        404: ("welfare_project_not_found",),
        409: ("idempotency_conflict", "in_progress", "insufficient_funds", "welfare_project_inactive"),
    },
    ("POST", "/v1/me/notifications/read"): {404: ("notification_not_found",), 422: ("invalid_read_marks",)},
    ("POST", "/v1/me/notifications/subscriptions"): {
        403: ("wechat_account_mismatch",),
        422: ("unknown_template", "wechat_invalid_code"),
        502: ("wechat_error", "wechat_unavailable"),
        503: ("wechat_not_configured",),
    },
    ("POST", "/v1/me/paycodes"): {429: ("rate_limited",)},
    ("POST", "/v1/me/vouchers"): {
        404: ("offer_not_found",),
        409: ("in_progress", "insufficient_funds", "limit_reached", "sold_out"),
    },
    ("POST", "/v1/me/vouchers/{voucher_id}/cancel"): {
        404: ("voucher_not_found",),
        409: ("voucher_cancelled", "voucher_consumed", "voucher_lapsed"),
    },
    ("POST", "/v1/merchant/charges"): {
        404: ("paycode_unknown",),
        409: ("idempotency_conflict", "in_progress", "insufficient_funds", "paycode_expired", "paycode_used"),
        422: ("invalid_amount", "invalid_idempotency_key"),
    },
    ("POST", "/v1/merchant/charges/{charge_id}/refund"): {404: ("charge_not_found",)},
    ("GET", "/v1/merchant/offers"): {404: ("merchant_not_found",)},
    ("POST", "/v1/merchant/offers"): {404: ("merchant_not_found",), 422: ("invalid_validity",)},
    ("PATCH", "/v1/merchant/offers/{offer_id}"): {
        404: ("merchant_not_found", "offer_not_found"),
        409: ("stock_below_claimed",),
        422: ("invalid_validity", "null_field"),
    },
    ("GET", "/v1/merchant/profile"): {404: ("merchant_not_found",)},
    ("PATCH", "/v1/merchant/profile"): {
        404: ("merchant_not_found",),
        422: ("invalid_location", "not_editable", "unknown_category"),
    },
    ("GET", "/v1/merchant/statements"): {422: ("invalid_date", "invalid_range")},
    ("POST", "/v1/merchant/vouchers/{code}/consume"): {
        404: ("voucher_not_found",),
        409: ("voucher_consumed", "voucher_expired", "voucher_lapsed"),
    },
    ("GET", "/v1/methodologies/{methodology_id}"): {404: ("unknown_methodology",)},
    ("GET", "/v1/methodologies/{methodology_id}/parameter-versions"): {404: ("unknown_methodology",)},
    ("POST", "/v1/methodologies/{methodology_id}/parameter-versions"): {
        404: ("unknown_methodology",),
        409: ("concurrent_publish", "effective_before_latest"),
        422: ("effective_in_past", "invalid_parameters", "no_overrides", "unknown_parameter"),
    },
    ("POST", "/v1/methodologies/{methodology_id}/quantify"): {
        404: ("unknown_methodology",),
        422: ("invalid_evidence",),
    },
    ("GET", "/v1/welfare-projects/{project_id}"): {404: ("welfare_project_not_found",)},
    ("PUT", PARTNER + "/assets/{kind}/{ref}"): {
        403: ("methodology_not_granted",),
        409: ("asset_exists",),
        422: ("invalid_asset", "unknown_asset_kind"),
    },
    ("GET", PARTNER + "/events"): {422: ("invalid_query",)},
    ("POST", PARTNER + "/events"): {403: ("methodology_not_granted",)},
    ("GET", PARTNER + "/events/{event_id}"): {404: ("event_not_found",)},
    ("POST", PARTNER + "/link-tokens"): {422: ("unknown_district",)},
    ("POST", PARTNER + "/ocpi/2.2.1/cdrs"): {
        404: ("event_not_found",),
        409: ("not_processed", "nothing_to_reverse"),
        422: ("invalid_cdr",),
    },
}

# The registry keeps its own list beside its code.
from service.registry.problems import PROBLEMS as REGISTRY_PROBLEMS  # noqa: E402

PROBLEMS |= REGISTRY_PROBLEMS
