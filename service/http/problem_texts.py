"""What each problem code means, for a person: Chinese and English, by code.

``service.http.problems`` renders every problem's ``detail`` through ``detail_for``: in Chinese the code's
text here, filled from the problem's extra fields (``{retry_after}``, ``{errcode}``...); in English the
detail the service raised, which names the very id or value at fault (and is what the logs show), or the
text here when the raise gave none. A code must have its Chinese text here before the service may answer it:
tests/unit/test_problem_texts.py finds every code the service raises and fails on one without a text.
The OpenAPI document lists each operation's codes with these texts (service/http/contract.py).

A template may only name extra fields every raise of its code carries; ``{summary}`` is the validation
summary (``key: message; ...``) that problems.py computes.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from service.http.i18n import Lang

# code -> (中文, English)
TEXTS: dict[str, tuple[str, str]] = {
    # Litestar's own errors and the generic statuses (service/http/problems.py HTTP_CODES)
    "bad_request": ("请求无效", "the request is not valid"),
    "unauthorized": ("需要登录", "authentication is required"),
    "forbidden": ("无权执行此操作", "this is not allowed"),
    "not_found": ("请求的资源不存在", "there is nothing at this address"),
    "method_not_allowed": ("此地址不支持该请求方法", "this method is not allowed here"),
    "payload_too_large": ("请求体过大", "the request body is too large"),
    "unsupported_media_type": ("不支持的请求体格式，请发送 JSON", "unsupported media type: send JSON"),
    "http_error": ("请求失败", "the request failed"),
    "internal": (
        "服务内部错误；报告问题时请提供请求编号 {request_id}",
        "an internal error occurred; quote request id {request_id} when reporting it",
    ),
    "unavailable": ("服务暂不可用，请稍后再试", "the service is unavailable; try again later"),
    "not_ready": ("服务尚未就绪，无法连接：{unreachable}", "not reachable: {unreachable}"),
    "malformed_json": ("请求体不是有效的 JSON", "the request body is not valid JSON"),
    "validation_error": ("请求参数无效：{summary}", "the request is not valid: {summary}"),
    "unknown_query_parameter": (
        "此接口不接受查询参数 {unknown}",
        "unknown query parameter(s): {unknown}",
    ),
    "invalid": ("请求无效", "the request is not valid"),
    "conflict": ("与当前状态冲突", "this conflicts with the current state"),
    "bad_gateway": ("上游服务出错", "an upstream service failed"),
    "rate_limited": (
        "请求过于频繁，请 {retry_after} 秒后再试",
        "too many requests; try again in {retry_after} s",
    ),
    "invalid_cursor": ("分页游标无效，请从第一页重新获取", "the cursor is not one this API gave out"),
    "invalid_date": (
        "{parameter} 须为 2000-01-01 至 2999-12-31 之间的日期，形如 2026-11-24",
        "{parameter} must be a date like 2026-11-24, from 2000-01-01 to 2999-12-31",
    ),
    "invalid_range": ("日期范围无效", "the date range is not valid"),
    "invalid_query": ("查询参数无效", "a query parameter is not valid"),
    # signing in and tokens
    "missing_token": (
        "请先登录（请求缺少访问令牌）",
        "send an access token: 'Authorization: Bearer <token>'",
    ),
    "invalid_token": ("访问令牌无效，请重新登录", "the access token is not valid"),
    "token_expired": ("访问令牌已过期，请刷新或重新登录", "the access token has expired"),
    "wrong_role": ("当前身份无权访问此接口", "this route is not for this role"),
    "invalid_refresh_token": ("刷新令牌无效，请重新登录", "the refresh token is not valid"),
    "refresh_token_reused": (
        "刷新令牌已被使用过，为安全起见请重新登录",
        "the refresh token was used before; sign in again",
    ),
    "invalid_api_key": ("API 密钥无效", "this API key is not valid"),
    "invalid_phone": (
        "手机号应为 6 至 15 位数字，可以 + 开头",
        "phone must be 6 to 15 digits, optionally starting with +",
    ),
    "account_deleted": ("该账户已注销", "this account has been deleted"),
    "resident_not_found": ("该居民账户不存在", "this token's resident does not exist"),
    "invalid_role": ("角色只能是 city 或 auditor", "role must be city or auditor"),
    "city_user_exists": ("同名的城市用户已存在", "a city user with this name exists"),
    "wechat_not_configured": ("此服务未配置微信登录", "WeChat sign-in is not configured here"),
    "wechat_unavailable": ("微信服务暂无响应，请重试", "WeChat did not answer; try again"),
    "wechat_invalid_code": (
        "微信登录凭证无效或已使用，请重新调用 wx.login",
        "the WeChat login code is invalid or used",
    ),
    "wechat_error": ("微信拒绝了请求（错误码 {errcode}）", "WeChat refused the request (errcode {errcode})"),
    "wechat_account_mismatch": (
        "该微信账号不是当前登录的账号",
        "this WeChat account is not the one you signed in with",
    ),
    # the resident's own data
    "unknown_district": ("未知的街道/社区代码", "unknown district"),
    "action_not_found": ("该减排行为不存在", "the action does not exist"),
    "binding_not_found": ("该绑定不存在", "the binding does not exist"),
    "invalid_link_token": ("绑定码未知、已使用或已过期", "the link token is unknown, used or expired"),
    "subject_bound": ("该账号已绑定到其他居民", "this account is bound to another resident"),
    "notification_not_found": ("该消息不存在", "the notification does not exist"),
    "invalid_read_marks": ("请提供 ids 或 up_to 其中之一", "send either ids or up_to"),
    "unknown_template": ("不是本服务的订阅消息模板", "not one of this service's templates"),
    "unknown_asset_kind": ("没有方法学使用这种设备", "no methodology uses assets of this kind"),
    "invalid_asset": ("设备信息无效", "the asset attributes are not valid"),
    "asset_exists": ("该设备已登记", "the asset is already registered"),
    "asset_registered_by_partner": (
        "此类设备须由安装商或电网公司的记录登记",
        "assets of this kind are registered from a partner's record",
    ),
    # methodologies and parameters
    "unknown_methodology": ("没有这个方法学", "there is no such methodology"),
    "unknown_methodology_version": ("该方法学没有这个代码版本", "the methodology has no such code version"),
    "unknown_params_version": ("该方法学没有这个参数版本", "the methodology has no such parameter version"),
    "invalid_evidence": ("凭证不符合该方法学的格式", "the evidence does not match the methodology's schema"),
    "effective_in_past": ("参数版本不能在过去生效", "a parameter version cannot take effect in the past"),
    "no_overrides": ("请至少修改一个参数", "give at least one parameter to override"),
    "unknown_parameter": ("包含未知的参数", "unknown parameters"),
    "invalid_parameters": ("参数取值无效", "parameter values are not valid"),
    "effective_before_latest": (
        "最新的参数版本生效更晚，新版本须在其之后生效",
        "the latest version takes effect later; publish after it",
    ),
    "concurrent_publish": (
        "同一时刻已发布了另一个版本，请重试",
        "another version was published at the same moment; try again",
    ),
    # the city's reads
    "invalid_group_by": ("无效的分组方式", "this grouping is not available"),
    "range_not_a_period": (
        "不分时间分组时，范围须为完整的一天、一个月或一年",
        "without a time grouping the range must be one whole day, month or year",
    ),
    "range_not_whole_periods": (
        "范围须由完整的分组周期组成",
        "the range must be whole periods of the grouping",
    ),
    # the ledger
    "account_not_found": ("该账户不存在", "the account does not exist"),
    "transfer_not_found": ("该转账不存在", "the transfer does not exist"),
    "cannot_reverse_reversal": (
        "冲正不能再被冲正，请另行转账",
        "a reversal cannot be reversed; post a new transfer",
    ),
    "hold_expiry_naive": ("冻结的到期时间须带时区", "a hold's expiry needs a time zone"),
    "hold_expiry_in_past": ("冻结须在将来到期", "a hold must expire in the future"),
    "hold_expired": ("该冻结已过期", "the hold has expired"),
    "hold_voided": ("该冻结已撤销", "the hold was voided"),
    "hold_posted": ("该冻结已入账", "the hold was already posted"),
    "hold_not_found": ("该冻结不存在", "the hold does not exist"),
    "in_progress": (
        "相同请求仍在处理中，请稍后再试",
        "the original request with this key is still in progress",
    ),
    "same_account": ("付款与收款账户不能相同", "debit and credit accounts must differ"),
    "wallet_to_wallet": (
        "碳币不能在居民之间转让",
        "coins do not move from one resident's wallet to another's",
    ),
    "invalid_amount": ("金额须为正整数个碳币", "the amount must be a whole number of coins"),
    "invalid_idempotency_key": ("幂等键长度无效", "the idempotency key's length is not valid"),
    "reserved_idempotency_key": ("该幂等键前缀为系统保留", "this idempotency key prefix is reserved"),
    "idempotency_conflict": ("该幂等键已用于另一笔请求", "this idempotency key was used for another request"),
    "insufficient_funds": ("可用碳币不足", "not enough coins available"),
    "donation_irreversible": (
        "捐赠给公益项目的碳币不可退回或转出",
        "coins donated to a public-welfare project never leave it",
    ),
    # merchants, offers and vouchers
    "merchant_not_found": ("该商户不存在", "this token's merchant does not exist"),
    "merchant_exists": ("同名商户已存在", "a merchant with this name exists"),
    "paycode_unknown": ("无法识别的付款码", "this pay-code is not one of ours"),
    "paycode_used": ("该付款码已使用", "this pay-code has been used"),
    "paycode_expired": ("付款码已过期，请刷新", "this pay-code has expired; ask for a new one"),
    "charge_not_found": ("该收款记录不存在", "the charge does not exist"),
    "offer_not_found": ("该优惠不存在", "the offer does not exist"),
    "offer_not_available": ("该优惠当前不可兑换", "this offer is not available now"),
    "invalid_location": (
        "位置无效：须同时给出有效的纬度和经度",
        "the location is not valid: give both latitude and longitude",
    ),
    "unknown_category": ("未知的商户类别", "unknown merchant category"),
    "offer_not_pending": ("该优惠不在待审核状态", "this offer is not awaiting review"),
    "offer_changed": (
        "优惠在审核期间已修改（当前为第 {revision} 版），请审核最新版本",
        "the offer changed during review (now revision {revision}); review that revision",
    ),
    "sold_out": ("该优惠已兑完", "this offer is sold out"),
    "limit_reached": ("已达到每人可领取的上限", "you already hold the most vouchers of this offer"),
    "stock_below_claimed": ("库存不能低于已领取的数量", "stock cannot go below what is already claimed"),
    "invalid_validity": ("结束时间须晚于开始时间", "valid_until must be after valid_from"),
    "null_field": ("字段不能设为空", "fields cannot be set to null"),
    "not_editable": ("这些字段不能修改", "these fields cannot be changed"),
    "voucher_not_found": ("该优惠券不存在", "the voucher does not exist"),
    "voucher_expired": ("该优惠券已过期", "this voucher has expired"),
    "voucher_consumed": ("该优惠券已使用", "this voucher has been used"),
    "voucher_lapsed": ("该优惠券已失效", "this voucher has lapsed"),
    "voucher_cancelled": ("该优惠券已取消", "this voucher was cancelled"),
    # public-welfare projects and donations
    "welfare_project_not_found": ("该公益项目不存在", "the public-welfare project does not exist"),
    "welfare_project_inactive": ("该公益项目已停止接受捐赠", "this project no longer takes donations"),
    "donation_not_found": ("没有这个编号的捐赠证书", "no donation certificate has this serial"),
    "invalid_serial": (
        "证书编号格式无效，应形如 TB-GQC-DON-2026-000123-45",
        "a donation serial looks like TB-GQC-DON-2026-000123-45",
    ),
    "serial_check_failed": (
        "证书编号的校验码不符，可能输错或被篡改",
        "the serial's check digits do not match: mistyped or altered",
    ),
    # partners
    "unknown_partner": ("没有这个合作方", "there is no such partner"),
    "partner_exists": ("同名合作方已存在", "a partner with this name exists"),
    "bad_signature": ("请求签名无效", "the webhook signature is missing or does not match"),
    "stale_timestamp": ("请求时间戳与当前时间相差过大", "webhook-timestamp is too far from now"),
    "webhook_id_reused": (
        "该 webhook-id 已用于另一请求，请为每个请求使用新 id",
        "this webhook-id was already used for another request",
    ),
    "bad_token": ("OCPI 令牌无效", "send the partner's OCPI token"),
    "methodology_not_granted": ("该合作方无权上报此方法学", "the partner may not report this methodology"),
    "event_not_found": ("该事件不存在", "the event does not exist"),
    "invalid_cdr": ("充电记录（CDR）无效", "the CDR is not valid"),
    "not_processed": (
        "被引用的充电记录尚未处理，请稍后重发",
        "the referenced CDR is not processed yet; send again later",
    ),
    "nothing_to_reverse": (
        "被引用的充电记录没有计入碳币，无需冲正",
        "the referenced CDR credited nothing to reverse",
    ),
    # policy benefits (service/benefits/)
    "benefit_not_found": ("该政策指标不存在", "this benefit does not exist"),
    "not_eligible": (
        "暂不符合该政策指标的领取条件（权益列表中写明了原因）",
        "you are not eligible for this benefit (the benefit list says why)",
    ),
    # attestations (service/attestations/)
    "attestation_not_found": ("该碳账户证明不存在", "no such attestation"),
    "nothing_disclosed": (
        "请至少选择一项披露内容：等级、累计减碳量或某一期间的减碳量",
        "choose at least one of level, lifetime and period to disclose",
    ),
    "attestation_too_long": (
        "证明的有效期最长为 {max_days} 天",
        "an attestation lives at most {max_days} days",
    ),
    "attestations_not_configured": (
        "未配置碳账户证明的签名密钥，暂不能开具证明",
        "no attestation signing key is configured",
    ),
}

# When a code has no text (a code added without one, which the unit test refuses), its status's.
BY_STATUS: dict[int, tuple[str, str]] = {
    400: TEXTS["bad_request"],
    401: TEXTS["unauthorized"],
    403: TEXTS["forbidden"],
    404: TEXTS["not_found"],
    409: TEXTS["conflict"],
    422: TEXTS["invalid"],
    429: ("请求过于频繁", "too many requests"),
    502: TEXTS["bad_gateway"],
    503: TEXTS["unavailable"],
}


SEPARATORS = ("：", ":", "（", "(", "，", ",", "；", ";")


# `tanbi keys` (service/keys/rotation.py): an operator's command, never an HTTP answer, but its refusals
# are problems like any other.
TEXTS |= {
    "unknown_kid": ("没有这个 JWT 密钥编号", "there is no JWT key with this kid"),
    "active_kid": (
        "该密钥正在签发新令牌：先轮换，再删除",
        "this kid signs new tokens: rotate first, then drop it",
    ),
    "undecryptable": (
        "有数据用当前和新的加密密钥都无法解开，未做任何更改",
        "a value opens with neither the current nor the new secrets key; nothing was changed",
    ),
}

# The registry keeps its texts beside its code.
from service.registry.problems import TEXTS as REGISTRY_TEXTS  # noqa: E402

TEXTS |= REGISTRY_TEXTS


def text_of(code: str, status: int) -> tuple[str, str]:
    """(中文, English) template of ``code``; its status's when the code has none."""
    return TEXTS.get(code) or BY_STATUS.get(status) or TEXTS["http_error"]


def detail_for(lang: Lang, code: str, status: int, raised: str, fields: Mapping[str, Any]) -> str:
    """The ``detail`` of a problem in ``lang``: Chinese from the catalogue, filled from ``fields``;
    English as ``raised`` (or the catalogue's when empty)."""
    zh, en = text_of(code, status)
    if lang is Lang.EN and raised:
        return raised
    filled = _fill(zh if lang is Lang.ZH else en, fields)
    if not filled:  # a template that starts with a field the raise did not carry
        filled = lang.pick(*(BY_STATUS.get(status) or TEXTS["http_error"]))
    return filled


def _fill(template: str, fields: Mapping[str, Any]) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names <= fields.keys():  # a field a raise did not carry: the clause before the blank
        head = template.split("{", 1)[0]
        cut = max(head.rfind(mark) for mark in SEPARATORS)
        return head[:cut].rstrip() if cut > 0 else head.rstrip()
    return template.format_map({name: _shown(fields[name]) for name in names})


def _shown(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
