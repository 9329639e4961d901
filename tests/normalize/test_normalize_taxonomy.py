"""Asset-type inference per source (with the deciding rule) and lifecycle hints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from itam_pipeline.normalize import Vocabulary, VocabularyError, infer_asset_types
from itam_pipeline.normalize.lifecycle import device42_hints, file_hints, intune_hints, miradore_hints


def infer(source: str, **fields: str | None) -> tuple[str, str, bool]:
    frame = pd.DataFrame(
        {
            name: [fields.get(name)]
            for name in ("type_kind", "type_sub", "type_os", "type_model", "manufacturer")
        },
        dtype="string",
    )
    row = infer_asset_types(source, frame).iloc[0]
    return row["asset_type"], row["asset_type_rule"], bool(row["asset_type_explicit"])


@pytest.mark.parametrize(
    ("os", "model", "manufacturer", "asset_type", "rule"),
    [
        ("iOS", "iPad Pro 11", "Apple", "tablet", "intune.operatingSystem=iOS+model~iPad"),
        ("iOS", "iPhone 14 Pro", "Apple", "mobile_phone", "intune.operatingSystem=iOS+model~iPhone"),
        ("iOS", "iPod touch", "Apple", "mobile_phone", "intune.operatingSystem=iOS (default)"),
        ("iPadOS", "iPad8,1", "Apple", "tablet", "intune.operatingSystem=iPadOS+model~iPad"),
        ("Android", "Galaxy Tab S8", "Samsung", "tablet", "intune.operatingSystem=Android+model~Galaxy Tab"),
        ("Android", "SM-X700", "Samsung", "tablet", "intune.operatingSystem=Android+model~SM-X7"),
        ("Android", "Lenovo Tab M10", "Lenovo", "tablet", "intune.operatingSystem=Android+model~Tab"),
        ("Android", "Pixel 8", "Google", "mobile_phone", "intune.operatingSystem=Android+model~Pixel"),
        (
            "AndroidEnterprise",
            "TC52",
            "Zebra",
            "mobile_phone",
            "intune.operatingSystem=AndroidEnterprise (default)",
        ),
        ("Windows", "Latitude 5440", "Dell", "laptop", "intune.operatingSystem=Windows+model~Latitude"),
        (
            "Windows",
            "ThinkPad T14 Gen 4",
            "Lenovo",
            "laptop",
            "intune.operatingSystem=Windows+model~ThinkPad",
        ),
        ("Windows", "HP EliteBook 840 G10", "HP", "laptop", "intune.operatingSystem=Windows+model~EliteBook"),
        ("Windows", "XPS 13 9340", "Dell", "laptop", "intune.operatingSystem=Windows+model~XPS"),
        (
            "Windows",
            "Surface Laptop 5",
            "Microsoft",
            "laptop",
            "intune.operatingSystem=Windows+model~Surface Laptop",
        ),
        ("Windows", "OptiPlex 7010", "Dell", "desktop", "intune.operatingSystem=Windows+model~OptiPlex"),
        (
            "Windows",
            "ThinkCentre M70q",
            "Lenovo",
            "desktop",
            "intune.operatingSystem=Windows+model~ThinkCentre",
        ),
        ("Windows", "HP EliteDesk 800 G9", "HP", "desktop", "intune.operatingSystem=Windows+model~EliteDesk"),
        (
            "Windows",
            "Virtual Machine",
            "Microsoft",
            "virtual_machine",
            "intune.operatingSystem=Windows+model~Virtual Machine",
        ),
        ("Windows", "21HD0051GE", "Lenovo", "laptop", "intune.operatingSystem=Windows+model~21HD0051GE"),
        ("Windows", "11DT003GMX", "Lenovo", "desktop", "intune.operatingSystem=Windows+model~11DT003GMX"),
        (
            "Windows",
            "Precision 5570",
            "Dell",
            "laptop",
            "intune.operatingSystem=Windows+model~Precision 5570",
        ),
        (
            "Windows",
            "Precision 3660 Tower",
            "Dell",
            "desktop",
            "intune.operatingSystem=Windows+model~Precision 3660",
        ),
        ("Windows", "MS-7C56", "MSI", "desktop", "intune.operatingSystem=Windows (default)"),
        (
            "macOS",
            "MacBook Pro (16-inch, 2023)",
            "Apple",
            "laptop",
            "intune.operatingSystem=macOS+model~MacBook",
        ),
        ("macOS", "iMac", "Apple", "desktop", "intune.operatingSystem=macOS+model~iMac"),
        ("macOS", "Mac mini", "Apple", "desktop", "intune.operatingSystem=macOS+model~Mac mini"),
        ("macOS", "Mac14,10", "Apple", "laptop", "intune.operatingSystem=macOS (default)"),
        (None, None, None, "other", "default"),
    ],
)
def test_intune_types(
    os: str | None, model: str | None, manufacturer: str | None, asset_type: str, rule: str
) -> None:
    assert infer("intune", type_os=os, type_model=model, manufacturer=manufacturer) == (
        asset_type,
        rule,
        False,
    )


def test_intune_chassis_type_wins_when_present() -> None:
    assert infer("intune", type_kind="laptop", type_os="Windows", type_model="Unknown")[:2] == (
        "laptop",
        "intune.chassisType=laptop",
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"type_kind": "virtual"}, ("virtual_machine", "device42.type=virtual", True)),
        ({"type_kind": "cluster"}, ("other", "device42.type=cluster", True)),
        ({"type_kind": "blade"}, ("server", "device42.type=blade", True)),
        (
            {"type_kind": "physical", "type_sub": "Laptop"},
            ("laptop", "device42.device_sub_type=Laptop", True),
        ),
        (
            {"type_kind": "physical", "type_model": "ProLiant DL360 Gen10", "manufacturer": "HPE"},
            ("server", "device42.hw_model~ProLiant", False),
        ),
        (
            {"type_kind": "physical", "type_model": "PowerEdge R640"},
            ("server", "device42.hw_model~PowerEdge", False),
        ),
        (
            {"type_kind": "physical", "type_model": "Catalyst 9300-48P"},
            ("network_device", "device42.hw_model~Catalyst", False),
        ),
        (
            {"type_kind": "physical", "type_model": "Nexus 93180YC"},
            ("network_device", "device42.hw_model~Nexus", False),
        ),
        ({"type_kind": "physical", "type_model": "FAS8200"}, ("storage", "device42.hw_model~FAS8", False)),
        (
            {"type_kind": "physical", "type_model": "LaserJet Enterprise M607"},
            ("printer", "device42.hw_model~LaserJet", False),
        ),
        (
            {"type_kind": "physical", "type_os": "Cisco IOS XE 17.3"},
            ("network_device", "device42.os~Cisco IOS", False),
        ),
        (
            {"type_kind": "physical", "type_os": "Microsoft Windows Server 2019 Standard"},
            ("server", "device42.os~Server", False),
        ),
        (
            {"type_kind": "physical", "type_os": "Windows 11 Enterprise"},
            ("desktop", "device42.os~Windows 11", False),
        ),
        (
            {"type_kind": "physical", "manufacturer": "NetApp"},
            ("storage", "device42.manufacturer=NetApp", False),
        ),
        (
            {"type_kind": "physical", "manufacturer": "Juniper"},
            ("network_device", "device42.manufacturer=Juniper", False),
        ),
        ({"type_kind": "physical"}, ("server", "device42.type=physical (default)", False)),
        ({"type_kind": "unknown"}, ("other", "default", False)),
    ],
)
def test_device42_types(fields: dict[str, str], expected: tuple[str, str, bool]) -> None:
    assert infer("device42", **fields) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"type_os": "iOS", "type_model": "iPhone 14 Pro iPhone15,2"},
            ("mobile_phone", "miradore.Platform=iOS+model~iPhone"),
        ),
        (
            {"type_os": "iOS", "type_model": "iPad Air iPad13,16"},
            ("tablet", "miradore.Platform=iOS+model~iPad"),
        ),
        (
            {"type_os": "Android", "type_model": "Galaxy Tab S8"},
            ("tablet", "miradore.Platform=Android+model~Galaxy Tab"),
        ),
        (
            {"type_os": "Android", "type_model": "Galaxy S23"},
            ("mobile_phone", "miradore.Platform=Android+model~Galaxy"),
        ),
        ({"type_os": "WindowsPhone"}, ("mobile_phone", "miradore.Platform=WindowsPhone (default)")),
        (
            {"type_os": "WindowsDesktop", "type_model": "Latitude 7440"},
            ("laptop", "miradore.Platform=WindowsDesktop+model~Latitude"),
        ),
        ({"type_os": "WindowsDesktop"}, ("desktop", "miradore.Platform=WindowsDesktop (default)")),
        ({"type_os": "macOS", "type_model": "Mac14,10"}, ("laptop", "miradore.Platform=macOS (default)")),
        ({"type_sub": "Laptops", "type_os": "WindowsDesktop"}, ("laptop", "miradore.Category.Name=Laptops")),
        ({"type_os": "Other"}, ("other", "default")),
    ],
)
def test_miradore_types(fields: dict[str, str], expected: tuple[str, str]) -> None:
    assert infer("miradore", **fields)[:2] == expected


@pytest.mark.parametrize(
    ("word", "asset_type"),
    [
        ("Notebook", "laptop"),
        ("laptop", "laptop"),
        ("Desktop", "desktop"),
        ("Workstation", "desktop"),
        ("Monitor", "display"),
        ("Phone", "mobile_phone"),
        ("Smartphone", "mobile_phone"),
        ("mobile_phone", "mobile_phone"),
        ("Tablet", "tablet"),
        ("SIM", "sim_card"),
        ("SIM card", "sim_card"),
        ("VM", "virtual_machine"),
        ("Virtual Machine", "virtual_machine"),
        ("DB", "database"),
        ("NAS", "storage"),
        ("SAN", "storage"),
        ("Backup", "backup_device"),
        ("Tape", "backup_device"),
        ("Printer", "printer"),
        ("MFP", "printer"),
        ("Switch", "network_device"),
        ("Firewall", "network_device"),
        ("Server", "server"),
        ("Laptops", "laptop"),  # plural
    ],
)
def test_file_feed_synonyms(word: str, asset_type: str) -> None:
    assert infer("file", type_kind=word) == (asset_type, f"feed.asset_type={word}", True)


def test_file_feed_falls_back_to_model_then_manufacturer_then_other() -> None:
    assert infer("file", type_kind="gadget", type_model="OptiPlex 7010")[:2] == (
        "desktop",
        "feed.model~OptiPlex",
    )
    assert infer("file", manufacturer="Brother")[:2] == ("printer", "feed.manufacturer=Brother")
    assert infer("file")[:2] == ("other", "default")


def test_user_vocabulary_file_extends_keywords(tmp_path: Path) -> None:
    custom = tmp_path / "taxonomy.yaml"
    custom.write_text(
        "version: test\nmodel_keywords:\n  laptop: [fieldbook]\nasset_type_synonyms:\n  storage: [filer]\n",
        encoding="utf-8",
    )
    vocabulary = Vocabulary.load(custom)
    frame = pd.DataFrame(
        {
            "type_kind": ["Filer", None],
            "type_sub": None,
            "type_os": [None, "Windows"],
            "type_model": [None, "FieldBook 3"],
            "manufacturer": None,
        }
    )
    result = infer_asset_types("file", frame, vocabulary)
    assert result["asset_type"].tolist() == ["storage", "laptop"]


def test_vocabulary_rejects_unknown_asset_types(tmp_path: Path) -> None:
    bad = tmp_path / "taxonomy.yaml"
    bad.write_text("model_keywords:\n  toaster: [bread]\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="toaster"):
        Vocabulary.load(bad)


def test_lifecycle_hints_per_source() -> None:
    assert intune_hints(pd.Series(["retirePending", "wipePending", "managed", None])).tolist() == [
        "retire_pending",
        "wipe_pending",
        pd.NA,
        pd.NA,
    ]
    statuses = pd.Series(["Deleted", "AutoGenerated", "Active", "Active"])
    deleted_flag = pd.Series([None, None, None, "true"])
    assert miradore_hints(statuses, deleted_flag).tolist() == ["deleted", "auto_generated", pd.NA, "deleted"]
    assert device42_hints(pd.Series(["false", "true", None])).tolist() == ["out_of_service", pd.NA, pd.NA]
    words = pd.Series(["On order", "In Stock", "Deployed", "In repair", "Retired", "Disposed", "weird", None])
    assert file_hints(words).tolist() == [
        "on_order",
        "in_stock",
        "active",
        "in_repair",
        "retired",
        "disposed",
        pd.NA,
        pd.NA,
    ]
