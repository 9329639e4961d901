"""Intune connector against the Entra + Graph emulator: real HTTPS, real MSAL handshake."""

from __future__ import annotations

import json
import logging

import pytest
from emulator_helpers import FLEET_SIZE, exception_texts, intune_client, token_provider

from connectors.errors import (
    AuthenticationError,
    MalformedResponseError,
    PermissionDeniedError,
    SourceUnavailableError,
)
from connectors.intune import DEFAULT_SELECT, IntuneClient, parse_graph_error
from connectors.msal_auth import MsalTokenProvider
from connectors.records import INTUNE


def expected_ids(emus) -> list[str]:
    return [d["id"] for d in emus.intune.app.catalog.page(0, FLEET_SIZE)]


def test_complete_extraction_across_many_pages(emus) -> None:
    client = intune_client(emus, page_size=100)
    records = list(client.iter_records())

    assert client.pages_fetched == FLEET_SIZE // 100
    assert [r.source_record_id for r in records] == expected_ids(emus)
    first = records[0]
    assert first.source == INTUNE and first.error is None
    assert list(first.payload) == list(DEFAULT_SELECT)
    # LIST shape: the fields Graph hides in lists come back null.
    assert all(r.payload["ethernetMacAddress"] is None for r in records)
    catalog_first = emus.intune.app.catalog.page(0, 1)[0]
    assert first.payload["serialNumber"] == catalog_first["serialNumber"]
    assert first.payload["lastSyncDateTime"] == catalog_first["lastSyncDateTime"]


def test_default_page_size_is_the_servers(emus) -> None:
    client = intune_client(emus, page_size=None)
    assert "$top" not in client.first_url()
    assert sum(1 for _ in client.iter_records()) == FLEET_SIZE
    assert client.pages_fetched == 3  # 1,000 per page by default


def test_iter_records_streams_page_by_page(emus) -> None:
    client = intune_client(emus, page_size=100)
    stream = client.iter_records()
    next(stream)
    assert client.pages_fetched == 1  # nothing beyond the first page was requested
    stream.close()


def test_check_reports_ok(emus) -> None:
    assert intune_client(emus).check().startswith("OK")


def test_recovers_from_429_with_retry_after(emus, sleeps) -> None:
    emus.intune.faults.throttle_next = 2
    emus.intune.faults.retry_after_seconds = 2
    client = intune_client(emus, sleep=sleeps)
    assert len(list(client.iter_records())) == FLEET_SIZE
    assert sleeps == [2.0, 2.0]  # the server's Retry-After, not our backoff


def test_recovers_from_429_without_retry_after(emus, sleeps) -> None:
    emus.intune.faults.throttle_next = 3
    emus.intune.faults.throttle_without_retry_after = True
    client = intune_client(emus, sleep=sleeps)
    assert len(list(client.iter_records())) == FLEET_SIZE
    assert len(sleeps) == 3 and all(0 < s <= 0.05 for s in sleeps)  # exponential backoff


@pytest.mark.parametrize("status", [503, 504])
def test_recovers_from_transient_5xx(emus, sleeps, status) -> None:
    emus.intune.faults.error_next = 2
    emus.intune.faults.error_status = status
    records = list(intune_client(emus, sleep=sleeps).iter_records())
    assert len({r.source_record_id for r in records}) == len(records) == FLEET_SIZE
    assert len(sleeps) == 2


def test_random_throttling_is_survived(emus) -> None:
    emus.intune.faults.throttle_rate = 0.2
    emus.intune.faults.throttle_without_retry_after = True
    records = list(intune_client(emus).iter_records())
    assert [r.source_record_id for r in records] == expected_ids(emus)


def test_token_expiry_mid_paging_resumes_the_same_page(emus) -> None:
    emus.intune.faults.token_expiry_after_pages = 7
    provider = token_provider(emus)
    client = intune_client(emus, provider=provider, page_size=100)
    records = list(client.iter_records())

    assert [r.source_record_id for r in records] == expected_ids(emus)  # no duplicates, no gaps
    assert provider.tokens_acquired == 4  # pages 1-7, 8-14, 15-21, 22-25
    assert emus.intune.app.tokens_issued == 4


def test_second_401_on_the_same_page_is_an_authentication_error(emus) -> None:
    emus.intune.faults.token_expiry_after_pages = 0  # every token is refused
    with pytest.raises(AuthenticationError, match="freshly issued token"):
        list(intune_client(emus).iter_records())


def test_bad_secret_names_the_aadsts_code_and_the_setting(emus) -> None:
    provider = token_provider(emus, client_secret="wrong-secret-value")
    with pytest.raises(AuthenticationError) as info:
        list(intune_client(emus, provider=provider).iter_records())
    text = str(info.value)
    assert "AADSTS7000215" in text and "ITAM_INTUNE_CLIENT_SECRET" in text
    assert "wrong-secret-value" not in exception_texts(info.value)


def test_unknown_client_is_aadsts700016(emus) -> None:
    provider = token_provider(emus, client_id="11111111-2222-3333-4444-555555555555")
    with pytest.raises(AuthenticationError, match="AADSTS700016") as info:
        intune_client(emus, provider=provider).check()
    assert "ITAM_INTUNE_CLIENT_ID" in str(info.value)


def test_unknown_tenant_is_aadsts90002(emus) -> None:
    provider = token_provider(emus, tenant_id="no-such-tenant")
    with pytest.raises(AuthenticationError, match="AADSTS90002") as info:
        intune_client(emus, provider=provider).check()
    assert "ITAM_INTUNE_TENANT_ID" in str(info.value)


def test_missing_permission_names_the_permission(emus) -> None:
    emus.intune.app.missing_permission = True
    with pytest.raises(PermissionDeniedError) as info:
        list(intune_client(emus).iter_records())
    text = str(info.value)
    assert "DeviceManagementManagedDevices.Read.All" in text
    assert "grant admin consent" in text
    assert "Application is not authorized" in text  # the unwrapped double-encoded message


@pytest.mark.parametrize("kind", ["html", "truncated", "envelope"])
def test_malformed_page_is_never_an_empty_page(emus, kind) -> None:
    emus.intune.faults.malformed_page = 3
    emus.intune.faults.malformed_kind = kind
    client = intune_client(emus)
    seen = []
    with pytest.raises(MalformedResponseError) as info:
        for record in client.iter_records():
            seen.append(record)
    assert len(seen) == 200  # pages 1-2 were delivered, page 3 failed loudly
    assert {"html": "HTML", "truncated": "JSON", "envelope": "'value'"}[kind] in str(info.value)


def test_unreachable_graph_host(emus, closed_port, sleeps) -> None:
    client = intune_client(emus, graph_url=f"https://127.0.0.1:{closed_port}", sleep=sleeps)
    with pytest.raises(SourceUnavailableError, match="unreachable"):
        client.check()
    assert len(sleeps) == 4  # five attempts


def test_unreachable_authority_host(emus, closed_port) -> None:
    provider = token_provider(emus, authority_host=f"https://127.0.0.1:{closed_port}")  # lazy: no I/O yet
    with pytest.raises(SourceUnavailableError, match="unreachable"):
        provider.get_token()


def test_explicit_verify_wins_over_requests_ca_bundle(emus, monkeypatch, tmp_path) -> None:
    # A session-level verify is silently replaced by REQUESTS_CA_BUNDLE in requests; ours is not.
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    assert intune_client(emus).check().startswith("OK")


def test_no_secret_in_logs_or_errors(emus, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = emus.credentials.client_secret
    provider = token_provider(emus)
    list(intune_client(emus, provider=provider).iter_records())
    emus.intune.faults.token_expiry_after_pages = 0
    with pytest.raises(AuthenticationError) as info:
        list(intune_client(emus, provider=token_provider(emus)).iter_records())
    with pytest.raises(AuthenticationError) as bad:
        token_provider(emus, client_secret=secret + "x").get_token()
    tokens = list(emus.intune.app._tokens)
    assert tokens
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "GET" in logged  # debug logging really was captured
    for text in (logged, exception_texts(info.value), exception_texts(bad.value), repr(provider)):
        assert secret not in text
        for token in tokens:
            assert token not in text


def test_parse_graph_error_unwraps_the_double_encoding() -> None:
    inner = json.dumps(
        {
            "_version": 3,
            "Message": "Application is not authorized to perform this operation. "
            "Application must have one of the following scopes: DeviceManagementManagedDevices.Read.All"
            " - Operation ID (for customer support): 0 - Activity ID: 1 - Url: https://x",
        }
    )
    body = {
        "error": {
            "code": "UnknownError",
            "message": json.dumps({"ErrorCode": "Forbidden", "Message": inner}),
            "innerError": {},
        }
    }
    code, text = parse_graph_error(body)
    assert code == "Forbidden"
    assert text.endswith("DeviceManagementManagedDevices.Read.All")
    assert parse_graph_error(
        {"error": {"code": "TooManyRequests", "message": "Please retry again later."}}
    ) == ("TooManyRequests", "Please retry again later.")
    assert parse_graph_error("nonsense") == ("", "")


def test_constructor_reads_no_environment(monkeypatch) -> None:
    monkeypatch.setenv("ITAM_GRAPH_URL", "https://example.invalid")
    client = IntuneClient(MsalTokenProvider("t", "c", "s"))
    assert client.graph_url == "https://graph.microsoft.com"


def test_graph_url_and_provider_in_either_positional_order() -> None:
    provider = MsalTokenProvider("t", "c", "s")
    assert IntuneClient("https://graph.example", provider).graph_url == "https://graph.example"  # type: ignore[arg-type]
    assert IntuneClient(provider, "https://graph.example/").graph_url == "https://graph.example"
