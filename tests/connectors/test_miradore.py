"""Miradore connector against the Miradore emulator over real HTTPS (XML, key in the URL)."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import defusedxml.ElementTree as SafeET
import pytest
from emulator_helpers import FLEET_SIZE, exception_texts, miradore_client

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    SourceUnavailableError,
)
from connectors.miradore import device_payload
from connectors.records import MIRADORE

SAMPLE_DEVICE = """
<Device>
  <ID>412</ID><Platform>iOS</Platform><Status>Active</Status>
  <LastReported>27.02.2025 16:40:02</LastReported>
  <InvDevice><DeviceName>Jane's iPhone</DeviceName><SerialNumber>F17ZK9ABCD12</SerialNumber>
    <IMEI>356938035643809</IMEI></InvDevice>
  <User><Email>jane.doe@contoso.example</Email></User>
  <Tags><Tag><Name>field</Name></Tag><Tag><Name>loaner</Name></Tag></Tags>
  <InvApplications><InvApplication><Name>Teams</Name><Version>6.1</Version></InvApplication></InvApplications>
  <InvStorages/>
  <BIOS><SerialNumber></SerialNumber></BIOS>
</Device>
"""


def key_forms(key: str) -> list[str]:
    return [key, quote(key, safe=""), quote_plus(key, safe="")]


def test_device_payload_flattens_attribute_paths() -> None:
    payload = device_payload(SafeET.fromstring(SAMPLE_DEVICE))
    assert payload == {
        "ID": "412",
        "Platform": "iOS",
        "Status": "Active",
        "LastReported": "27.02.2025 16:40:02",
        "InvDevice.DeviceName": "Jane's iPhone",
        "InvDevice.SerialNumber": "F17ZK9ABCD12",
        "InvDevice.IMEI": "356938035643809",
        "User.Email": "jane.doe@contoso.example",
        "Tags": ["field", "loaner"],
        "InvApplications": [{"Name": "Teams", "Version": "6.1"}],
        "InvStorages": [],
        "BIOS.SerialNumber": None,
    }


def test_complete_extraction_keeps_and_flags_deleted_devices(emus) -> None:
    client = miradore_client(emus, page_size=100)
    records = list(client.iter_records())
    catalog = emus.miradore.app.catalog.page(0, FLEET_SIZE)

    assert client.pages_fetched == FLEET_SIZE // 100
    assert [r.source_record_id for r in records] == [d["ID"] for d in catalog]
    assert all(r.source == MIRADORE for r in records)
    deleted = [r for r in records if r.payload.get("_deleted")]
    assert deleted and len(deleted) == sum(1 for d in catalog if d["Status"] == "Deleted")
    assert all(r.payload["Status"] == "Deleted" for r in deleted)
    # The payload is the flat attribute-path dict the emulator was given (minus the flag).
    for record, source in zip(records[:50], catalog[:50], strict=True):
        got = {k: v for k, v in record.payload.items() if k != "_deleted"}
        assert got == source


def test_count_on_content_element(emus) -> None:
    emus.miradore.app.count_on_content = True
    assert len(list(miradore_client(emus).iter_records())) == FLEET_SIZE


def test_check(emus) -> None:
    assert miradore_client(emus).check() == f"OK: {FLEET_SIZE} devices"


def test_bad_key_is_authentication_error(emus, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "99_not{the}key+$!"
    with pytest.raises(AuthenticationError, match="Authentication failed") as info:
        miradore_client(emus, api_key=wrong).check()
    text = exception_texts(info.value) + caplog.text
    for form in key_forms(wrong):
        assert form not in text


@pytest.mark.parametrize("site", ["contosolab", "NoSuchSite"])
def test_wrong_or_wrong_case_site_is_not_retried(emus, site, sleeps) -> None:
    url = emus.miradore_url.rsplit("/", 1)[0] + "/" + site
    with pytest.raises(ConnectorError, match="wrong case") as info:
        miradore_client(emus, site_url=url, sleep=sleeps).check()
    assert not isinstance(info.value, SourceUnavailableError)
    assert sleeps == []
    assert emus.miradore.requests_seen == 1


def test_unknown_select_attribute_names_it(emus) -> None:
    client = miradore_client(emus, select=("ID", "InvDevice.Colour"))
    with pytest.raises(MalformedResponseError, match="Colour"):
        list(client.iter_records())


def test_wildcard_select(emus) -> None:
    records = list(miradore_client(emus, select=("ID", "InvDevice.*", "Tag.Name")).iter_records())
    assert len(records) == FLEET_SIZE
    assert "InvDevice.SerialNumber" in records[0].payload and "Status" not in records[0].payload


def test_dtd_and_entities_are_refused(emus) -> None:
    emus.miradore.faults.malformed_page = 1
    emus.miradore.faults.malformed_kind = "dtd"
    with pytest.raises(MalformedResponseError, match="unsafe XML"):
        list(miradore_client(emus).iter_records())


@pytest.mark.parametrize("kind", ["html", "truncated"])
def test_malformed_page(emus, kind) -> None:
    emus.miradore.faults.malformed_page = 2
    emus.miradore.faults.malformed_kind = kind
    with pytest.raises(MalformedResponseError):
        list(miradore_client(emus).iter_records())


def test_server_ignoring_page_is_detected(emus) -> None:
    emus.miradore.app.ignore_paging = True
    with pytest.raises(MalformedResponseError, match="repeats"):
        list(miradore_client(emus).iter_records())


def test_retries_429_and_503(emus, sleeps) -> None:
    emus.miradore.faults.throttle_next = 2
    emus.miradore.faults.error_next = 1
    assert len(list(miradore_client(emus, sleep=sleeps).iter_records())) == FLEET_SIZE
    assert len(sleeps) == 3


def test_key_never_leaks(emus, caplog, closed_port, sleeps) -> None:
    """The key is in every URL: not in logs (ours, urllib3's), exceptions, chains or values."""
    caplog.set_level(logging.DEBUG)
    key = emus.credentials.miradore_api_key
    emus.miradore.faults.throttle_next = 1
    emus.miradore.faults.error_next = 1
    client = miradore_client(emus, sleep=sleeps)
    records = list(client.iter_records())
    texts = [caplog.text, repr(client), "".join(repr(r) for r in records[:100])]

    unreachable = miradore_client(emus, site_url=f"https://127.0.0.1:{closed_port}/ContosoLab", sleep=sleeps)
    with pytest.raises(SourceUnavailableError) as down:
        unreachable.check()
    texts.append(exception_texts(down.value))
    emus.miradore.faults.malformed_page = emus.miradore.data_pages_served + 1  # the next page
    emus.miradore.faults.malformed_kind = "truncated"
    with pytest.raises(MalformedResponseError) as bad:
        miradore_client(emus).check()
    texts.append(exception_texts(bad.value))
    texts.append(caplog.text)

    assert "auth=" in caplog.text  # urllib3 and our own debug lines were captured, masked
    joined = "\n".join(texts)
    for form in key_forms(key):
        assert form not in joined
