"""Survivorship: which source supplies each golden attribute, and the provenance that says so."""

from __future__ import annotations

import pandas as pd

from itam_pipeline.reconcile.state import empty_overrides

from .builders import NOW, days_ago, frame, golden, rec, rerun, run

SERIAL = "5CG1234XYZ"


def provenance(plan, record_key_or_asset: str) -> pd.DataFrame:
    """Provenance rows of one asset, indexed by attribute."""
    asset = record_key_or_asset
    if "|" in record_key_or_asset:
        asset = plan.links.set_index("record_key").loc[record_key_or_asset, "asset_id"]
    rows = plan.provenance[plan.provenance["asset_id"] == asset]
    return rows.set_index(rows["attribute"].astype(str))


def test_precedence_picks_the_configured_source() -> None:
    plan = run(
        frame(
            rec("device42", "d1", serial_number=SERIAL, model="EliteBook 840 G10", last_seen_at=days_ago(5)),
            rec("intune", "i1", serial_number=SERIAL, model="8A3C", last_seen_at=days_ago(1)),
            rec(
                "file:procurement",
                "p1",
                serial_number=SERIAL,
                model="HP EliteBook",
                supplier="Atea",
                purchase_cost=1524.31,
                currency="EUR",
            ),
        )
    )
    row = golden(plan, "intune|i1")
    assert row["model"] == "EliteBook 840 G10"  # Device42 outranks Intune for model
    assert row["supplier"] == "Atea" and row["purchase_cost"] == 1524.31 and row["currency"] == "EUR"
    prov = provenance(plan, "intune|i1")
    assert prov.loc["model", "source"] == "device42" and prov.loc["model", "source_record_id"] == "d1"
    assert prov.loc["model", "rule"] == "precedence"
    assert prov.loc["supplier", "source"] == "file:procurement"
    assert prov.loc["currency", "rule"] == "coupled:purchase_cost"


def test_financial_fields_never_come_from_mdm() -> None:
    plan = run(frame(rec("intune", "i1", serial_number=SERIAL, cost_center="CC-1", location="Paris")))
    row = golden(plan, "intune|i1")
    assert pd.isna(row["cost_center"])
    assert pd.isna(row["location"])  # location: override > file > Device42 only


def test_recency_wins_for_hostname_and_ties_within_a_rank() -> None:
    plan = run(
        frame(
            rec(
                "device42",
                "d1",
                serial_number=SERIAL,
                hostname="old-name",
                asset_type="desktop",
                last_seen_at=days_ago(9),
            ),
            rec(
                "intune",
                "i1",
                serial_number=SERIAL,
                hostname="new-name",
                asset_type="laptop",
                last_seen_at=days_ago(1),
            ),
        )
    )
    row = golden(plan, "intune|i1")
    assert row["hostname"] == "new-name"
    assert row["asset_type"] == "laptop"  # Device42 and Intune tie on rank: the fresher one wins
    prov = provenance(plan, "intune|i1")
    assert prov.loc["hostname", "rule"] == "recency"
    assert prov.loc["asset_type", "rule"] == "recency"


def test_stale_top_source_yields_to_a_fresh_lower_one() -> None:
    plan = run(
        frame(
            rec(
                "intune",
                "i1",
                serial_number=SERIAL,
                primary_user="old.owner@x.example",
                last_seen_at=days_ago(45),
            ),
            rec(
                "miradore",
                "m1",
                serial_number=SERIAL,
                primary_user="new.owner@x.example",
                last_seen_at=days_ago(2),
            ),
        )
    )
    assert golden(plan, "intune|i1")["primary_user"] == "new.owner@x.example"
    prov = provenance(plan, "intune|i1").loc["primary_user"]
    assert (prov["source"], prov["rule"]) == ("miradore", "fallback:stale")


def test_null_never_overwrites_a_value() -> None:
    first = run(
        frame(
            rec(
                "intune",
                "i1",
                serial_number=SERIAL,
                primary_user="ann@x.example",
                os="Windows",
                os_version="10",
            ),
            rec("file:procurement", "p1", serial_number=SERIAL, supplier="Atea"),
        )
    )
    second = rerun(
        first,
        frame(
            rec("intune", "i1", serial_number=SERIAL, primary_user=None, os="Windows", os_version="11"),
        ),
    )
    row = golden(second, "intune|i1")
    assert row["primary_user"] == "ann@x.example"  # Intune now reports nothing: keep the value
    assert row["supplier"] == "Atea"  # the procurement row left the feed: keep the value
    assert row["os_version"] == "11"
    prov = provenance(second, "intune|i1")
    assert prov.loc["primary_user", "rule"] == "retained" and prov.loc["supplier", "source"] == "retained"


def test_manual_override_beats_every_source() -> None:
    records = frame(rec("intune", "i1", serial_number=SERIAL, primary_user="ann@x.example", hostname="pc-1"))
    first = run(records)
    asset = first.assets["asset_id"].iloc[0]
    overrides = pd.concat(
        [
            empty_overrides(),
            pd.DataFrame(
                {
                    "asset_id": [asset, asset, asset],
                    "attribute": ["primary_user", "primary_user", "location"],
                    "value": ["bob@x.example", "carl@x.example", "Vault 7"],
                    "set_by": ["admin", "admin2", "admin"],
                    "set_at": pd.to_datetime([days_ago(3), days_ago(1), days_ago(2)], utc=True),
                }
            ),
        ],
        ignore_index=True,
    )
    second = rerun(first, records, overrides=overrides)
    row = golden(second, "intune|i1")
    assert (row["primary_user"], row["location"], row["hostname"]) == ("carl@x.example", "Vault 7", "pc-1")
    prov = provenance(second, asset).loc["primary_user"]
    assert (prov["source"], prov["source_record_id"], prov["rule"]) == ("manual", "admin2", "override")
    relation = second.relationships.set_index("relation").loc["assigned_to"]
    assert (relation["target_id"], relation["source"]) == ("carl@x.example", "manual")


def test_typed_override_values_are_cast() -> None:
    records = frame(rec("file:procurement", "p1", serial_number=SERIAL, purchase_cost=10.0))
    first = run(records)
    asset = first.assets["asset_id"].iloc[0]
    overrides = pd.DataFrame(
        {
            "asset_id": [asset, asset],
            "attribute": ["purchase_cost", "purchase_date"],
            "value": ["1234.5", "2024-03-01"],
            "set_by": ["finance", "finance"],
            "set_at": pd.to_datetime([NOW, NOW], utc=True),
        }
    )
    row = golden(rerun(first, records, overrides=overrides), "file:procurement|p1")
    assert row["purchase_cost"] == 1234.5
    assert row["purchase_date"] == pd.Timestamp("2024-03-01")


def test_provenance_has_one_row_per_asset_attribute_with_a_value() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number=SERIAL, manufacturer="HP", hostname="pc-1"),
            rec("device42", "d1", serial_number=SERIAL, model="EliteBook"),
        )
    )
    prov = plan.provenance
    assert not prov.duplicated(["asset_id", "attribute"]).any()
    assets = plan.assets.set_index("asset_id")
    filled = {
        (a, c) for a in assets.index for c in prov["attribute"].cat.categories if pd.notna(assets.loc[a, c])
    }
    assert filled == set(zip(prov["asset_id"], prov["attribute"].astype(str), strict=True))


def test_first_and_last_seen_span_the_asset_records() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number=SERIAL, enrolled_at=days_ago(400), last_seen_at=days_ago(3)),
            rec("device42", "d1", serial_number=SERIAL, last_seen_at=days_ago(1)),
        )
    )
    row = golden(plan, "intune|i1")
    assert row["first_seen_at"] == pd.Timestamp(days_ago(400))
    assert row["last_seen_at"] == pd.Timestamp(days_ago(1))


def test_an_exact_tie_goes_to_the_same_record_whatever_the_row_order() -> None:
    # Same source rank, same timestamp: only the record key can decide, never the row order
    # (records arrive in another order every run, and provenance must not flap).
    seen = days_ago(2)
    rows = [
        rec("intune", "i1", serial_number=SERIAL, hostname="same-name", last_seen_at=seen),
        rec("miradore", "m1", serial_number=SERIAL, hostname="same-name", last_seen_at=seen),
    ]
    winners = {
        provenance(plan, "intune|i1").loc["hostname", "source_record_id"]
        for plan in (run(frame(*rows)), run(frame(*reversed(rows))))
    }
    assert winners == {"i1"}  # "intune|i1" sorts before "miradore|m1"
