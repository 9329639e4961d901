"""MAC addresses (canonical form, identifying or not, per-record lists) and host names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from itam_pipeline.normalize import canonical_macs, join_macs, normalize_hostnames, normalize_macs


def plain(value: object) -> object:
    return None if value is pd.NA else value


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("00-0A-95-9D-68-16", "00:0a:95:9d:68:16"),
        ("00:0A:95:9D:68:16", "00:0a:95:9d:68:16"),
        ("000a.959d.6816", "00:0a:95:9d:68:16"),  # Cisco dotted
        ("000A959D6816", "00:0a:95:9d:68:16"),  # Intune: 12 hex digits
        ("0:a:95:9d:68:16", "00:0a:95:9d:68:16"),  # unpadded octets
        (" 00 0a 95 9d 68 16 ", "00:0a:95:9d:68:16"),
        ("00:0a:95:9d:68", None),  # five octets
        ("00:0a:95:9d:68:1g", None),
        ("", None),
        (None, None),
    ],
)
def test_mac_canonical_form(raw: str | None, canonical: str | None) -> None:
    assert plain(canonical_macs(pd.Series([raw], dtype="string")).iloc[0]) == canonical


@pytest.mark.parametrize(
    ("raw", "mac", "issue"),
    [
        ("A4:B1:C2:D3:E4:F5", "a4:b1:c2:d3:e4:f5", None),
        ("00:00:00:00:00:00", None, "junk:placeholder"),
        ("FF-FF-FF-FF-FF-FF", None, "junk:placeholder"),
        ("20:41:53:59:4e:ff", None, "junk:placeholder"),  # RAS async adapter
        ("02:00:4e:43:50:49", None, "junk:placeholder"),  # NCP VPN
        ("00:50:56:c0:00:08", None, "junk:placeholder"),  # VMware vmnet8
        ("00:50:56:c0:00:05", None, "junk:vmware_vmnet"),  # any vmnet adapter
        ("01:00:5e:00:00:fb", None, "multicast"),
        ("f2:18:98:aa:bb:cc", None, "locally_administered"),  # private Wi-Fi address
        ("06:1a:2b:3c:4d:5e", None, "locally_administered"),
        ("da:a1:19:00:00:01", None, "locally_administered"),
        ("de:ad:be:ef:00:01", None, "locally_administered"),
        ("00:50:56:9a:0b:1c", None, "virtual_adapter"),  # a VM NIC on a record that is no VM
        ("xyz", None, "invalid"),
        (None, None, "missing"),
    ],
)
def test_mac_identifying_or_not(raw: str | None, mac: str | None, issue: str | None) -> None:
    result = normalize_macs(pd.Series([raw], dtype="string")).iloc[0]
    assert (plain(result["mac"]), plain(result["mac_issue"])) == (mac, issue)


def test_hypervisor_mac_identifies_a_virtual_machine() -> None:
    result = normalize_macs(pd.Series(["00:50:56:9a:0b:1c"] * 2), on_virtual=np.array([True, False]))
    assert result["mac"].tolist() == ["00:50:56:9a:0b:1c", pd.NA]


def test_macs_are_joined_per_record_sorted_and_deduplicated() -> None:
    owner = np.array([2, 0, 2, 2, 0, 3])
    macs = pd.Series(
        ["0c:00:00:00:00:01", "00:0a:95:9d:68:16", "08:00:00:00:00:01", None, "00:0a:95:9d:68:16", None],
        dtype="string",
    )
    joined = join_macs(owner, macs, size=4)
    assert [plain(v) for v in joined] == [
        "00:0a:95:9d:68:16",
        None,
        "08:00:00:00:00:01;0c:00:00:00:00:01",
        None,
    ]


def test_join_macs_with_no_macs_at_all() -> None:
    joined = join_macs(np.empty(0, dtype=np.int64), pd.Series([], dtype="string"), size=3)
    assert joined.isna().all() and len(joined) == 3


@pytest.mark.parametrize(
    ("raw", "hostname", "domain"),
    [
        ("LT-0042", "lt-0042", None),
        (" nyc-sql-01.corp.example. ", "nyc-sql-01", "corp.example"),
        ("DESKTOP-7Q2L0F1", "desktop-7q2l0f1", None),  # valid, even if it changes on reimage
        ("srv_01", "srv_01", None),
        ("10.20.1.15", None, None),  # IP literal
        ("fe80::1", None, None),
        ("localhost", None, None),
        ("localhost.localdomain", None, None),
        ("iPhone", None, None),
        ("iPad", None, None),
        ("Android", None, None),
        ("galaxy", None, None),
        ("MacBook", None, None),
        ("iphone-3", None, None),
        ("Jane's iPhone", None, None),  # display name
        ("Loaner’s Galaxy Tab", None, None),  # typographic apostrophe
        ("Jane iPad", None, None),
        ("ipad.corp.example", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_hostname_rules(raw: str | None, hostname: str | None, domain: str | None) -> None:
    result = normalize_hostnames(pd.Series([raw], dtype="string")).iloc[0]
    assert (plain(result["hostname"]), plain(result["dns_domain"])) == (hostname, domain)


def test_hostname_equal_to_the_model_is_generic() -> None:
    result = normalize_hostnames(
        pd.Series(["Pixel-7", "Pixel-7"]), model=pd.Series(["Pixel 7", "Latitude 5440"])
    )
    assert result["hostname"].tolist() == [pd.NA, "pixel-7"]
