"""The file-drop connector: config, encodings, delimiters, bad rows, ledger, archive, safety, XLSX."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from connectors.emulators.fleet import Fleet, generate_fleet
from connectors.errors import FileRejectedError
from connectors.file_drop import (
    INCIDENT_COLUMNS,
    STANDARD_COLUMNS,
    DropFile,
    FeedConfigError,
    FileDropConnector,
    load_feeds,
    parse_cost,
    parse_date,
)
from connectors.records import RawRecord

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return generate_fleet(120, seed=3, now=NOW)


def read_all(connector: FileDropConnector, feed: str | None = None) -> list[RawRecord]:
    return [record for drop in connector.pending_files(feed) for record in connector.read(drop)]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def assert_matches_truth(records: list[RawRecord], fleet: Fleet, feed: str) -> None:
    truth = {row.origin: row for row in fleet.drop_rows(feed)}
    assert [r.origin for r in records] == list(truth)
    for record in records:
        expected = truth[record.origin]
        assert record.source_record_id == expected.source_record_id, record.origin
        code = record.error.split(":")[0] if record.error else None
        assert code == expected.error_code, (record.origin, record.error)


# -- standard template, encodings, delimiters ------------------------------------------------
def test_standard_template_needs_no_config(tmp_path: Path, fleet: Fleet) -> None:
    (path,) = fleet.write_drops(tmp_path)
    connector = FileDropConnector(tmp_path)
    assert connector.feeds() == ["procurement"]
    (drop,) = connector.pending_files()
    assert (
        drop.partition_key == f"procurement/{path.name}" and drop.kind == "devices" and drop.mode == "delta"
    )
    records = list(connector.read(drop))
    assert_matches_truth(records, fleet, "procurement")
    assert all(r.source == "file:procurement" and r.error is None for r in records)
    rows = fleet.procurement.page(0, len(fleet.procurement))
    for record, row in zip(records, rows, strict=True):
        assert record.payload == {k: (v or None) for k, v in row.items()}
    assert records[0].origin == f"{path.name}:2"  # the header is spreadsheet row 1


@pytest.mark.parametrize(
    ("encoding", "delimiter", "european"),
    [
        ("utf-8", ",", False),
        ("utf-8-sig", ",", False),
        ("cp1252", ";", True),
        ("utf-8-sig", "\t", False),
        ("cp1252", "\t", True),
        ("utf-16", "\t", False),  # Excel's "Unicode text" export
    ],
)
def test_encodings_and_delimiters_are_detected(
    tmp_path: Path, fleet: Fleet, encoding: str, delimiter: str, european: bool
) -> None:
    (path,) = fleet.write_drops(tmp_path, encoding=encoding, delimiter=delimiter, european=european)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "cp1252":
        assert "€".encode("cp1252") in raw and b"M\xfcnchen" in raw
    records = read_all(FileDropConnector(tmp_path))
    rows = fleet.procurement.page(0, len(fleet.procurement))
    # Whatever the dialect, the payload comes out identical: ISO dates, plain costs, real umlauts.
    assert [r.payload for r in records] == [{k: (v or None) for k, v in row.items()} for row in rows]
    assert any(r.payload["location"] in ("München", "Zürich", "Malmö") for r in records)


def test_feed_config_maps_columns_formats_and_keys(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "hr_laptops:\n"
        "  columns: {'Asset No': asset_tag, 'Serial': serial_number, 'Bought': purchase_date, 'Price': purchase_cost}\n"
        "  key_column: serial_number\n"
        "  date_format: '%m/%d/%Y'\n"
        "  delimiter: '|'\n"
        "  encoding: cp1252\n"
        "  mode: delta\n",
        encoding="utf-8",
    )
    write_csv(
        tmp_path / "hr_laptops" / "export.csv",
        "Asset No|Serial|Bought|Price|Location|Ignored\r\n"
        "ct-1|5cg-1234 xyz|03/15/2024|EUR 1.234,50|Zürich|x\r\n"
        "ct-2||12/01/2023|99|Malmö|y\r\n",
        encoding="cp1252",
    )
    connector = FileDropConnector(tmp_path)
    assert connector.feeds() == ["hr_laptops"]
    (drop,) = connector.pending_files()
    assert drop.mode == "delta"
    first, second = connector.read(drop)
    assert first.source_record_id == "5CG1234XYZ"  # key_column: serial, separators removed
    assert first.payload["asset_tag"] == "ct-1" and first.payload["purchase_date"] == "2024-03-15"
    assert first.payload["purchase_cost"] == "1234.50" and first.payload["location"] == "Zürich"
    assert set(first.payload) == set(STANDARD_COLUMNS)
    assert second.source_record_id is None and second.error == "MISSING_KEY: no serial_number"


@pytest.mark.parametrize(
    ("yaml_text", "feed", "key"),
    [
        ("crm:\n  delimiter: '||'\n", "crm", "delimiter"),
        ("crm:\n  mode: sometimes\n", "crm", "mode"),
        ("crm:\n  colums: {}\n", "crm", "colums"),
        ("crm:\n  columns: {Serial: serial}\n", "crm", "columns"),
        ("crm:\n  kind: tickets\n", "crm", "kind"),
        ("crm:\n  encoding: klingon\n", "crm", "encoding"),
        ("crm:\n  date_format: 'dd/mm/yyyy'\n", "crm", "date_format"),
        ("crm:\n  key_column: owner\n", "crm", "key_column"),
        ("desk:\n  kind: incidents\n  columns: {Tag: purchase_cost}\n", "desk", "columns"),
    ],
)
def test_bad_feed_config_names_feed_and_key(tmp_path: Path, yaml_text: str, feed: str, key: str) -> None:
    (tmp_path / "feeds.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(FeedConfigError) as caught:
        load_feeds(tmp_path)
    assert f"feed '{feed}'" in str(caught.value) and f"key '{key}'" in str(caught.value)


def test_feeds_yaml_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(FeedConfigError, match="feed names"):
        FileDropConnector(tmp_path)


# -- bad rows --------------------------------------------------------------------------------
def test_bad_rows_are_reported_and_the_rest_loads(tmp_path: Path, fleet: Fleet) -> None:
    fleet.write_drops(tmp_path, bad_rows=8, files=2)
    records = read_all(FileDropConnector(tmp_path))
    assert_matches_truth(records, fleet, "procurement")
    assert len(records) == len(fleet.procurement)
    errors = {r.origin: r.error for r in records if r.error}
    assert len(errors) == 8
    messages = sorted(errors.values())
    assert "COLUMN_COUNT: expected 16, got 15" in messages
    assert "BAD_DATE: purchase_date '31/02/2024'" in messages
    assert "MISSING_KEY: no asset_tag or serial_number" in messages
    assert any(m.startswith("NEGATIVE_COST: purchase_cost '-") for m in messages)
    assert all(origin.startswith("procurement_20250301_0") for origin in errors)


def test_row_problems_in_a_hand_written_file(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "procurement" / "june.csv",
        "Asset Tag;Serial Number;Purchase Date;Purchase Cost\n"
        "A-1;S1;2024-06-01;(12,00)\n"
        "A-2;S2;2024-13-01;abc\n"
        "\n"
        "A-3;S3;01.06.2024;1 234,5;extra\n"
        ";S-4 4;;\n",
    )
    records = read_all(FileDropConnector(tmp_path))
    assert [r.origin for r in records] == ["june.csv:2", "june.csv:3", "june.csv:5", "june.csv:6"]
    assert records[0].error == "NEGATIVE_COST: purchase_cost '(12,00)'"
    assert records[1].error == "BAD_DATE: purchase_date '2024-13-01'; BAD_COST: purchase_cost 'abc'"
    assert records[1].source_record_id == "A-2"
    assert records[2].error == "COLUMN_COUNT: expected 4, got 5" and records[2].source_record_id is None
    assert records[3].error is None and records[3].source_record_id == "S44"


def test_a_file_without_any_key_column_is_rejected(tmp_path: Path) -> None:
    write_csv(tmp_path / "procurement" / "x.csv", "model,location\nLatitude,Helsinki\n")
    connector = FileDropConnector(tmp_path)
    with pytest.raises(FileRejectedError, match="no key column"):
        read_all(connector)


# -- ledger, duplicates, archive -------------------------------------------------------------
def test_same_content_under_another_name_is_not_pending(tmp_path: Path, fleet: Fleet) -> None:
    (path,) = fleet.write_drops(tmp_path)
    shutil.copy(path, path.with_name("copy-at-the-same-time.csv"))
    connector = FileDropConnector(tmp_path)
    (drop,) = connector.pending_files()  # two identical files: one is pending
    connector.mark_processed(drop, rows=len(fleet.procurement))
    assert connector.is_processed(drop)
    assert connector.pending_files() == []
    shutil.copy(drop.path.parent / "archive" / drop.name, path.with_name("renamed-next-week.csv"))
    assert FileDropConnector(tmp_path).pending_files() == []


def test_archive_never_overwrites_and_find_locates_both(tmp_path: Path) -> None:
    feed_dir = tmp_path / "procurement"
    write_csv(feed_dir / "daily.csv", "asset_tag\nA-1\n")
    connector = FileDropConnector(tmp_path)
    (first,) = connector.pending_files()
    archived = connector.mark_processed(first, rows=1)
    assert archived == feed_dir / "archive" / "daily.csv" and not (feed_dir / "daily.csv").exists()
    again = connector.find("procurement/daily.csv")
    assert again.archived and [r.source_record_id for r in connector.read(again)] == ["A-1"]

    write_csv(feed_dir / "daily.csv", "asset_tag\nA-2\n")  # same name, new content
    (second,) = connector.pending_files()
    assert second.partition_key == f"procurement/daily~{second.sha256[:8]}.csv"
    assert connector.find(second.partition_key).path == feed_dir / "daily.csv"
    moved = connector.mark_processed(second, rows=1)
    assert moved.name == f"daily~{second.sha256[:8]}.csv"
    assert (feed_dir / "archive" / "daily.csv").read_text() == "asset_tag\nA-1\n"
    found = connector.find(second.partition_key)
    assert found.archived and [r.source_record_id for r in connector.read(found)] == ["A-2"]
    with pytest.raises(FileNotFoundError):
        connector.find("procurement/never.csv")


def test_ledger_survives_a_torn_line(tmp_path: Path) -> None:
    write_csv(tmp_path / "procurement" / "a.csv", "asset_tag\nA-1\n")
    connector = FileDropConnector(tmp_path)
    connector.mark_processed(connector.pending_files()[0], rows=1)
    with (tmp_path / ".ledger.jsonl").open("a", encoding="utf-8") as ledger:
        ledger.write('{"sha256": "abc", "fe')
    write_csv(tmp_path / "procurement" / "b.csv", "asset_tag\nB-1\n")
    assert [d.name for d in FileDropConnector(tmp_path).pending_files()] == ["b.csv"]


def test_mark_rejected_moves_the_file_aside(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "procurement" / "broken.csv", "model\nx\n")
    connector = FileDropConnector(tmp_path)
    (drop,) = connector.pending_files()
    with pytest.raises(FileRejectedError) as caught:
        list(connector.read(drop))
    moved = connector.mark_rejected(drop, str(caught.value))
    assert moved == tmp_path / "procurement" / "rejected" / "broken.csv" and not path.exists()
    assert connector.pending_files() == [] and connector.is_processed(drop)


def test_a_file_changing_while_read_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "procurement" / "growing.csv", "asset_tag\nA-1\n")
    connector = FileDropConnector(tmp_path)
    (drop,) = connector.pending_files()
    path.write_text("asset_tag\nA-1\nA-2\n")
    with pytest.raises(FileRejectedError, match="changed while it was read"):
        list(connector.read(drop))


# -- safety ----------------------------------------------------------------------------------
def test_symlinks_out_of_the_drop_folder_and_dotdot_keys_are_refused(tmp_path: Path) -> None:
    drop_dir, outside = tmp_path / "drops", tmp_path / "secret.csv"
    write_csv(outside, "asset_tag\nSECRET\n")
    write_csv(drop_dir / "procurement" / "ok.csv", "asset_tag\nA-1\n")
    os.symlink(outside, drop_dir / "procurement" / "evil.csv")
    connector = FileDropConnector(drop_dir)
    assert [d.name for d in connector.pending_files()] == ["ok.csv"]
    assert [(p.name, reason) for p, reason in connector.rejected_files()] == [
        ("evil.csv", "resolves outside the drop folder")
    ]
    with pytest.raises(FileRejectedError, match="outside the drop folder"):
        connector.find("procurement/evil.csv")
    for key in (
        "procurement/../../secret.csv",
        "procurement/..",
        "../secret.csv",
        "procurement/a/b.csv",
        "/etc/passwd",
        "procurement/",
    ):
        with pytest.raises(FileRejectedError, match="invalid partition key"):
            connector.find(key)
    forged = DropFile("procurement", outside, "secret.csv", 1, "0" * 64, "procurement/secret.csv")
    with pytest.raises(FileRejectedError):
        list(connector.read(forged))


def test_size_cap_and_unknown_extensions(tmp_path: Path) -> None:
    write_csv(tmp_path / "procurement" / "big.csv", "asset_tag\n" + "A-1\n" * 100)
    write_csv(tmp_path / "procurement" / "notes.txt", "hello")
    write_csv(tmp_path / "procurement" / "upload.csv.part", "asset_tag\n")  # still uploading: ignored
    connector = FileDropConnector(tmp_path, max_file_bytes=200)
    assert connector.pending_files() == []
    reasons = dict((p.name, r) for p, r in connector.rejected_files())
    assert reasons["big.csv"] == "410 bytes, over the cap of 200"
    assert reasons["notes.txt"].startswith("unknown extension '.txt'")
    assert "upload.csv.part" not in reasons
    with pytest.raises(FileRejectedError, match="over the cap"):
        connector.find("procurement/big.csv")


def test_binary_content_in_a_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "procurement" / "really-a-zip.csv"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x", "y")
    connector = FileDropConnector(tmp_path)
    with pytest.raises(FileRejectedError, match="binary"):
        read_all(connector)


# -- XLSX ------------------------------------------------------------------------------------
def test_xlsx_drop_with_typed_cells_and_bad_rows(tmp_path: Path, fleet: Fleet) -> None:
    (path,) = fleet.write_drops(tmp_path, xlsx=True, bad_rows=4)
    records = read_all(FileDropConnector(tmp_path))
    assert_matches_truth(records, fleet, "procurement")
    assert "COLUMN_COUNT: expected 16, got 17" in {r.error for r in records}
    good = [r for r in records if r.error is None]
    rows = {row["asset_tag"] or row["serial_number"]: row for row in fleet.procurement.page(0, 1000)}
    for record in good:
        row = rows[record.payload["asset_tag"] or record.payload["serial_number"]]
        assert record.payload["purchase_date"] == row["purchase_date"]
        assert Decimal(record.payload["purchase_cost"]) == Decimal(row["purchase_cost"])
    assert path.suffix == ".xlsx"


def test_xlsx_header_is_the_first_non_empty_row(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append([None, None])
    sheet.append(["Asset Tag", "Serial Number", "Purchase Date", "Purchase Cost", "Warranty End"])
    sheet.append(["A-1", 721534000123, datetime(2024, 6, 1, 0, 0), 1234.5, 45678])
    sheet.append([None, None, None, None, None])
    sheet.append(["A-2", "S2", "01.07.2024", "12,50", None])
    path = tmp_path / "procurement" / "book.xlsx"
    path.parent.mkdir()
    workbook.save(path)
    first, second = read_all(FileDropConnector(tmp_path))
    assert first.origin == "book.xlsx:4" and second.origin == "book.xlsx:6"
    assert first.error is None and second.error is None  # the short last row is padded, not "wrong width"
    assert first.payload["serial_number"] == "721534000123"  # numeric cell without ".0"
    assert first.payload["purchase_date"] == "2024-06-01" and first.payload["purchase_cost"] == "1234.50"
    assert first.payload["warranty_end"] == "2025-01-21"  # an Excel day number
    assert second.payload["purchase_date"] == "2024-07-01" and second.payload["purchase_cost"] == "12.50"


def test_xlsx_cell_and_xml_caps(tmp_path: Path, fleet: Fleet) -> None:
    fleet.write_drops(tmp_path, xlsx=True)
    with pytest.raises(FileRejectedError, match="cells"):
        read_all(FileDropConnector(tmp_path, max_xlsx_cells=500))
    with pytest.raises(FileRejectedError, match="inflates to"):
        read_all(FileDropConnector(tmp_path, max_xlsx_xml_bytes=10_000))
    assert len(read_all(FileDropConnector(tmp_path))) == len(fleet.procurement)


def test_xlsx_whose_dimension_lies_is_capped_while_streaming(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["asset_tag", "model", "location"])
    for n in range(200):
        workbook.active.append([f"A-{n}", "x", "y"])
    path = tmp_path / "procurement" / "liar.xlsx"
    path.parent.mkdir()
    workbook.save(path)
    # Rewrite the sheet's <dimension> to claim a single cell.
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    sheet_name = "xl/worksheets/sheet1.xml"
    members[sheet_name] = members[sheet_name].replace(
        b'<dimension ref="A1:C201" />', b'<dimension ref="A1" />'
    )
    assert b'<dimension ref="A1" />' in members[sheet_name]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    with pytest.raises(FileRejectedError, match="more than 100 cells"):
        read_all(FileDropConnector(tmp_path, max_xlsx_cells=100))
    # Without the cap every row is read, although the sheet claims to hold one cell.
    assert len(read_all(FileDropConnector(tmp_path))) == 200


# -- incidents -------------------------------------------------------------------------------
def test_incidents_feed_reads_with_its_own_columns(tmp_path: Path, fleet: Fleet) -> None:
    fleet.write_incidents(tmp_path, count=40, european=True, delimiter=";")
    connector = FileDropConnector(tmp_path)
    (drop,) = connector.pending_files("incidents")
    assert drop.kind == "incidents"
    records = list(connector.read(drop))
    assert [r.source_record_id for r in records] == [f"INC{n:07d}" for n in range(1, 41)]
    assert all(set(r.payload) == set(INCIDENT_COLUMNS) and r.error is None for r in records)
    opened = datetime.fromisoformat(records[0].payload["opened_at"])
    assert opened < NOW.replace(tzinfo=None)
    linked = dict(fleet.truth("file:incidents"))
    assert 30 <= len(linked) < 40  # every tenth incident names no real device
    for record in records:
        uid = linked.get(record.source_record_id)
        if uid is None:
            continue
        device = fleet.device(uid)
        named = {record.payload["asset_tag"], record.payload["serial_number"], record.payload["hostname"]} - {
            None
        }
        assert named & {device.asset_tag, device.serial, device.hostname}


# -- value parsing ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50 €", "1234.50"),
        ("EUR 99", "99.00"),
        ("234,5", "234.50"),
        ("1 234 567,89", "1234567.89"),
        ("1,234", "1234.00"),
        ("1'234.50", "1234.50"),
        ("(12.00)", "-12.00"),
        ("12.00-", "-12.00"),
        ("$0", "0.00"),
        ("1,234,567", "1234567.00"),
    ],
)
def test_parse_cost(text: str, expected: str) -> None:
    assert str(parse_cost(text)) == expected


@pytest.mark.parametrize("text", ["abc", "", "12..3.4,5,6", "NaN", "--1"])
def test_parse_cost_refuses_non_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_cost(text)


@pytest.mark.parametrize(
    ("value", "date_format", "expected"),
    [
        ("2024-03-15", None, date(2024, 3, 15)),
        ("2024-03-15T10:00:00", None, date(2024, 3, 15)),
        ("15.03.2024", None, date(2024, 3, 15)),
        ("3/15/2024", "%m/%d/%Y", date(2024, 3, 15)),
        (45366, None, date(2024, 3, 15)),
        (datetime(2024, 3, 15, 8), None, date(2024, 3, 15)),
    ],
)
def test_parse_date(value: object, date_format: str | None, expected: date) -> None:
    assert parse_date(value, date_format) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "2024-02-30", "15.13.2024", "yesterday"])
def test_parse_date_refuses_non_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)
