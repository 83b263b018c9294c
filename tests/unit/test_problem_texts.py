"""Every problem code the service can answer has a Chinese and an English text; Accept-Language is read
as RFC 9110 says."""

from __future__ import annotations

import ast
import pathlib
import string

import pytest

from service import errors
from service.http import contract
from service.http.i18n import Lang, negotiate
from service.http.problem_codes import PROBLEMS
from service.http.problem_texts import TEXTS, detail_for
from service.http.problems import HTTP_CODES
from service.merchants.refusals import REFUSALS

SERVICE = pathlib.Path(__file__).resolve().parents[2] / "service"
ERROR_NAMES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.DomainError)
}


def _raised_codes() -> set[str]:
    """``code="..."`` of every DomainError raised in service/ (read from the source, so a new raise
    counts without running it), ``problem(status, "code", ...)`` calls and classes' ``default_code``."""
    found: set[str] = set()
    for path in SERVICE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ERROR_NAMES:
                    found |= {
                        k.value.value
                        for k in node.keywords
                        if k.arg == "code" and isinstance(k.value, ast.Constant)
                    }
                if name == "problem" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    found.add(node.args[1].value)
            if (
                isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "default_code" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                found.add(node.value.value)
    return found


def every_code() -> set[str]:
    listed = {code for statuses in PROBLEMS.values() for codes in statuses.values() for code in codes}
    implied = {*contract.BEARER_401, *contract.SIGNED_401, *contract.BODY_400, *contract.ANY_422}
    implied |= {"wrong_role", "account_deleted", "resident_not_found", "unknown_partner", "webhook_id_reused"}
    implied |= {"bad_token", "invalid_cursor", "not_found", "http_error"}
    return listed | implied | set(HTTP_CODES.values()) | set(REFUSALS) | _raised_codes()


def test_the_source_scan_finds_raises() -> None:
    found = _raised_codes()
    # one of each way a code is given: a keyword, a class default, a problem() call
    assert {"action_not_found", "insufficient_funds", "not_ready"} <= found


@pytest.mark.parametrize("code", sorted(every_code()))
def test_every_code_has_both_texts(code: str) -> None:
    assert code in TEXTS, f"problem code {code!r} has no text in service/http/problem_texts.py"
    zh, en = TEXTS[code]
    assert zh
    assert en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{code}: the Chinese text has no Chinese"
    fields = lambda t: {n for _, n, _, _ in string.Formatter().parse(t) if n}  # noqa: E731
    assert fields(zh) == fields(en), f"{code}: the two texts fill different fields"


def test_chinese_is_filled_from_the_problems_fields_english_keeps_what_was_raised() -> None:
    raised = "too many requests; try again in 7 s"
    assert (
        detail_for(Lang.ZH, "rate_limited", 429, raised, {"retry_after": 7}) == "请求过于频繁，请 7 秒后再试"
    )
    assert detail_for(Lang.EN, "rate_limited", 429, raised, {"retry_after": 7}) == raised
    assert detail_for(Lang.EN, "sold_out", 409, "", {}) == "this offer is sold out"
    # a template whose field a raise did not carry says what it can, without a blank
    assert detail_for(Lang.ZH, "wechat_error", 502, "x", {}) == "微信拒绝了请求"
    assert detail_for(Lang.ZH, "invalid_date", 422, "x", {}) == "请求无效"
    assert detail_for(Lang.ZH, "invalid_date", 422, "x", {"parameter": "from"}).startswith("from 须为")
    # a code without a text (refused above) still gets its status's words, not English
    assert detail_for(Lang.ZH, "brand_new_code", 409, "x", {}) == "与当前状态冲突"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Lang.ZH),
        ("", Lang.ZH),
        ("en", Lang.EN),
        ("en-US", Lang.EN),
        ("EN-gb", Lang.EN),
        ("zh-CN", Lang.ZH),
        ("zh-Hant-TW", Lang.ZH),
        ("fr", Lang.ZH),
        ("fr, en;q=0.5", Lang.EN),
        ("en;q=0.5, zh;q=0.9", Lang.ZH),
        ("zh;q=0.5, en;q=0.9", Lang.EN),
        ("en;q=0, zh;q=0.1", Lang.ZH),
        ("en;q=0", Lang.ZH),
        ("en, zh", Lang.EN),
        ("zh, en", Lang.ZH),
        ("*;q=0.1, en;q=0.2", Lang.EN),
        ("en;q=abc, zh;q=0.1", Lang.ZH),
        ("en;q=2", Lang.ZH),
        ("english", Lang.ZH),
        ("en-" + "x" * 600, Lang.ZH),
    ],
)
def test_accept_language(header: str | None, expected: Lang) -> None:
    assert negotiate(header) is expected
