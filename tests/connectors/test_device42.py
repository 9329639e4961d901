"""Device42 connector against the Device42 emulator over real HTTPS."""

from __future__ import annotations

import logging

import pytest
from emulator_helpers import FLEET_SIZE, device42_client, exception_texts

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    SourceUnavailableError,
)
from connectors.records import DEVICE42


def expected_ids(emus) -> list[str]:
    return [str(d["device_id"]) for d in emus.device42.app.catalog.page(0, FLEET_SIZE)]


def test_complete_extraction_with_silent_limit_clamp(emus) -> None:
    # We ask for 1,000 per page; the appliance's API GET limit is 500 and it says so.
    assert emus.device42.app.max_limit == 500
    client = device42_client(emus, page_size=1000)
    records = list(client.iter_records())
    assert [r.source_record_id for r in records] == expected_ids(emus)
    assert client.pages_fetched == 5  # offset advanced by the reported 500, not 1,000
    first = records[0]
    assert first.source == DEVICE42
    assert first.payload["mac_addresses"][0]["mac"].count(":") == 5  # kept as returned
    assert isinstance(first.payload["ip_addresses"], list)


def test_small_pages(emus) -> None:
    client = device42_client(emus, page_size=100)
    assert len(list(client.iter_records())) == FLEET_SIZE
    assert client.pages_fetched == 25


def test_server_that_ignores_paging(emus) -> None:
    emus.device42.app.enforce_limits = False  # "Enforce API GET Limits" off: everything at once
    client = device42_client(emus, page_size=100)
    records = list(client.iter_records())
    assert [r.source_record_id for r in records] == expected_ids(emus)
    assert client.pages_fetched == 1


def test_lowercase_devices_key(emus) -> None:
    emus.device42.app.devices_key = "devices"
    assert len(list(device42_client(emus).iter_records())) == FLEET_SIZE


def test_incomplete_extraction_is_an_error(emus) -> None:
    emus.device42.app.inflate_total_count = 3
    with pytest.raises(MalformedResponseError, match=f"incomplete: got {FLEET_SIZE} of {FLEET_SIZE + 3}"):
        list(device42_client(emus).iter_records())


def test_logical_error_under_http_200(emus) -> None:
    emus.device42.app.logical_error = True
    with pytest.raises(ConnectorError, match="error code 2"):
        list(device42_client(emus).iter_records())


def test_bad_password(emus, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError, match="ITAM_DEVICE42_PASSWORD") as info:
        device42_client(emus, password="not-the-password-123").check()
    assert "not-the-password-123" not in exception_texts(info.value) + caplog.text


def test_check(emus) -> None:
    assert device42_client(emus).check() == f"OK: {FLEET_SIZE} devices"


def test_retries_429_and_503(emus, sleeps) -> None:
    emus.device42.faults.throttle_next = 1
    emus.device42.faults.error_next = 2
    records = list(device42_client(emus, sleep=sleeps).iter_records())
    assert len(records) == FLEET_SIZE
    assert len(sleeps) == 3


def test_retries_exhausted(emus, sleeps) -> None:
    emus.device42.faults.error_next = 50
    emus.device42.faults.error_status = 504
    with pytest.raises(SourceUnavailableError, match="HTTP 504"):
        list(device42_client(emus, sleep=sleeps).iter_records())
    assert len(sleeps) == 4


@pytest.mark.parametrize("kind", ["html", "truncated"])
def test_malformed_page(emus, kind) -> None:
    emus.device42.faults.malformed_page = 2
    emus.device42.faults.malformed_kind = kind
    with pytest.raises(MalformedResponseError):
        list(device42_client(emus).iter_records())


def test_unreachable_host(emus, closed_port, sleeps) -> None:
    client = device42_client(emus, base_url=f"https://127.0.0.1:{closed_port}", sleep=sleeps)
    with pytest.raises(SourceUnavailableError, match="unreachable"):
        client.check()


def test_no_password_in_logs(emus, caplog, sleeps) -> None:
    caplog.set_level(logging.DEBUG)
    password = emus.credentials.device42_password
    emus.device42.faults.throttle_next = 1
    list(device42_client(emus, sleep=sleeps).iter_records())
    assert "devices/all" in caplog.text
    assert password not in caplog.text
