"""redact() and the log filter that keeps secrets out of third-party log lines."""

from __future__ import annotations

import logging

from connectors.redact import MASK, Redactor, basic_auth_token, redact, register_secrets


def test_masks_secrets_in_all_wire_forms() -> None:
    secret = "12_ab{c}$!,+d e"
    text = f"raw {secret} / pct 12_ab%7Bc%7D%24%21%2C%2Bd%20e / plus 12_ab%7Bc%7D%24%21%2C%2Bd+e"
    out = redact(text, [secret])
    assert "ab{c}" not in out and "%7Bc%7D" not in out
    assert out.count(MASK) == 3


def test_masks_credential_parameters_without_knowing_the_secret() -> None:
    url = "https://h/site/API/Device?select=ID&auth=12_xyz&options=rows=1 client_secret=abc password=p1"
    out = redact(url)
    assert "12_xyz" not in out and "abc" not in out and "p1" not in out
    assert "auth=***" in out and "select=ID" in out and "options=rows=1" in out


def test_does_not_touch_skiptoken_or_empty_values() -> None:
    url = "https://graph/v1.0/x?$select=id&$skiptoken=RFNwdCabc&auth="
    assert redact(url) == url


def test_masks_bearer_and_basic_headers() -> None:
    token = basic_auth_token("user", "pw")
    out = redact(f"Authorization: Bearer eyJ0.abc.def and Authorization: Basic {token}")
    assert "eyJ0" not in out and token not in out


def test_ignores_empty_secrets_and_longest_first() -> None:
    assert redact("abc abcdef", ["", None, "abc", "abcdef"]) == f"{MASK} {MASK}"


def test_redactor_callable() -> None:
    r = Redactor(["topsecret"])
    assert r("x topsecret y") == f"x {MASK} y"
    r.add("other")
    assert r("other") == MASK


def test_third_party_log_records_are_masked(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    register_secrets(["very-secret-value"])
    logging.getLogger("urllib3.connectionpool").debug('"GET /x?auth=%s HTTP/1.1" 200', "very-secret-value")
    logging.getLogger("msal.application").debug("secret very-secret-value in body")
    assert "very-secret-value" not in caplog.text
    assert "auth=***" in caplog.text


def test_exception_tracebacks_in_log_records_are_masked(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    register_secrets(["tb-secret-123"])
    try:
        raise ValueError("url https://h/x?auth=tb-secret-123")
    except ValueError:
        logging.getLogger("urllib3.connectionpool").debug("failed", exc_info=True)
    assert "tb-secret-123" not in caplog.text
