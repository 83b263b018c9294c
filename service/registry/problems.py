"""The registry's problem codes: which operation answers which (merged into service/http/problem_codes.py)
and what each means in Chinese and English (merged into service/http/problem_texts.py)."""

from __future__ import annotations

R = "/v1/registry"
BATCH = R + "/batches/{batch_id}"
STATUS = {404: ("batch_not_found",), 409: ("wrong_batch_status",)}

PROBLEMS: dict[tuple[str, str], dict[int, tuple[str, ...]]] = {
    ("POST", R + "/projects"): {
        404: ("unknown_methodology",),
        409: ("project_exists",),
        422: ("not_tradable", "invalid_params_versions", "not_conservative", "no_green_certificate_check"),
    },
    ("POST", R + "/batches"): {
        404: ("project_not_found",),
        409: ("period_overlaps", "batch_conflict"),
        422: ("invalid_period", "nothing_to_pool", "below_one_unit"),
    },
    ("POST", BATCH + "/submit"): STATUS,
    ("POST", BATCH + "/verify"): STATUS,
    ("POST", BATCH + "/issue"): STATUS,
    ("POST", R + "/sales"): {
        404: ("batch_not_found", "registry_account_not_found"),
        409: ("wrong_batch_status", "not_enough_units"),
        422: ("not_a_buyer", "invalid_units"),
    },
    ("POST", R + "/retirements"): {
        404: ("batch_not_found", "registry_account_not_found"),
        409: ("wrong_batch_status", "not_enough_units", "not_retirable", "not_contiguous"),
        422: ("invalid_units",),
    },
    ("GET", BATCH): {404: ("batch_not_found",)},
    ("GET", BATCH + "/blocks"): {404: ("batch_not_found",)},
    ("GET", BATCH + "/operations"): {404: ("batch_not_found",)},
    ("GET", BATCH + "/manifest.csv"): {404: ("batch_not_found",)},
    ("GET", R + "/retirements/{retirement_id}"): {404: ("retirement_not_found",)},
    ("GET", R + "/retirements/{retirement_id}/certificate.pdf"): {404: ("retirement_not_found",)},
    ("GET", R + "/serials/{serial}"): {404: ("serial_not_found",), 422: ("invalid_serial",)},
}

TEXTS: dict[str, tuple[str, str]] = {
    "project_not_found": ("该减排项目不存在", "the crediting project does not exist"),
    "project_exists": ("该方法学已有减排项目", "this methodology already has a crediting project"),
    "not_tradable": (
        "该方法学的减排量暂不可交易（无车日、无纸化缴费、低碳消费与回收不可交易）",
        "this methodology's reductions are not tradable (car-free days, bills, consumption, recyclables)",
    ),
    "invalid_params_versions": ("参数版本无效或不存在", "a listed parameter version does not exist"),
    "not_conservative": (
        "参数版本的保守系数须小于 1 才能用于交易",
        "a parameter version's conservativeness factor must be below 1 for tradable reductions",
    ),
    "no_green_certificate_check": (
        "该参数版本未扣除绿证电量，不能用于交易",
        "this parameter version does not subtract green certificates, so it cannot be pooled",
    ),
    "batch_not_found": ("该批次不存在", "the batch does not exist"),
    "wrong_batch_status": ("批次当前状态不允许此操作", "the batch's status does not allow this"),
    "invalid_period": (
        "监测期无效：须在年份之内且已结束",
        "the monitoring period must lie in the vintage and be over",
    ),
    "period_overlaps": ("监测期与已有批次重叠", "the monitoring period overlaps an earlier batch"),
    "nothing_to_pool": ("该监测期内没有可纳入的减排量", "nothing eligible to pool in this period"),
    "below_one_unit": (
        "净减排量不足 1 吨，请等待更多减排量",
        "less than one tonne net: wait for more actions",
    ),
    "batch_conflict": (
        "另一批次同时纳入了部分减排量，请重试",
        "another batch took some actions at the same time",
    ),
    "registry_account_not_found": ("该登记账户不存在", "the registry account does not exist"),
    "not_a_buyer": ("该账户不是买方账户", "the account is not a buyer's"),
    "invalid_units": ("数量须为正整数吨", "move at least one whole unit"),
    "not_enough_units": ("持有的减排量不足", "the holder holds fewer units than asked"),
    "not_retirable": ("该账户的减排量不能注销", "this account's units cannot be retired"),
    "not_contiguous": (
        "这些减排量跨越多个序列号段，请分段注销",
        "these units span more than one block: retire them in parts",
    ),
    "retirement_not_found": ("该注销记录不存在", "the retirement does not exist"),
    "invalid_serial": (
        "序列号格式或校验位不正确",
        "the serial is malformed or its check digits do not match",
    ),
    "serial_not_found": ("该序列号从未签发", "this serial was never issued"),
}
