"""Incidents link to assets through normalized identifiers, strongest unambiguous rule first;
unlinked incidents are stored and reported, never dropped."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import PlanIntegrityError, apply_plan, link_incidents
from itam_pipeline.repository.queries import asset_detail, unlinked_incidents

from .builders import fleet_plan
from .dbutil import rows, scalar


def _fleet(engine: Engine) -> None:
    plan = fleet_plan(5)  # users: user0 has A0 and A1, user1 has A2 and A3, user2 has A4 only
    shared = pd.DataFrame(
        {
            "asset_id": ["A0000000", "A0000001"],
            "id_type": "hostname",
            "id_value": "shared-host",
            "source": "intune",
        }
    )
    plan.identifiers = pd.concat([plan.identifiers, shared], ignore_index=True)
    apply_plan(engine, plan)


def _incidents(tickets: list[tuple]) -> pd.DataFrame:
    columns = ["incident_id", "asset_tag", "serial_number", "hostname", "user"]
    frame = pd.DataFrame(tickets, columns=columns)
    return frame.assign(opened_at=pd.Timestamp("2026-01-10T09:00:00Z"), closed_at=None, category="hardware")


TICKETS = [
    ("INC1", "tag-0000001", None, None, None),  # tag typed in lowercase
    ("INC2", None, " sn-0000002 ", None, None),  # serial with a separator and spaces
    ("INC3", None, None, "HOST-0000003.corp.example.com", None),  # FQDN in capitals
    ("INC4", None, None, None, "USER2@example.com"),  # the user has exactly one asset
    ("INC5", None, None, None, "user0@example.com"),  # the user has two assets: ambiguous
    ("INC6", None, "UNKNOWN123", None, None),  # matches nothing
    ("INC7", None, None, "shared-host", None),  # host name shared by two assets: ambiguous
    ("INC8", "TAG-0000001", "SN0000002", None, None),  # tag beats serial
]


def test_incidents_link_by_the_strongest_unambiguous_rule(engine: Engine) -> None:
    _fleet(engine)

    result = link_incidents(engine, _incidents(TICKETS), run_id="inc-1")

    assert result.incidents == 8
    assert result.linked == 5
    assert result.links_by_rule == {"asset_tag": 2, "serial_key": 1, "hostname": 1, "user": 1}
    assert result.unlinked_ids == ["INC5", "INC6", "INC7"]
    assert "3 unlinked: INC5, INC6, INC7" in result.summary_text()
    links = rows(engine, "SELECT incident_id, asset_id, rule FROM incident_links ORDER BY incident_id")
    assert [(r["incident_id"], r["asset_id"], r["rule"]) for r in links] == [
        ("INC1", "A0000001", "asset_tag"),
        ("INC2", "A0000002", "serial_key"),
        ("INC3", "A0000003", "hostname"),
        ("INC4", "A0000004", "user"),
        ("INC8", "A0000001", "asset_tag"),
    ]
    # Unlinked incidents are kept with what the ticket said.
    assert scalar(engine, "SELECT count(*) FROM incidents") == 8
    assert scalar(engine, "SELECT user_name FROM incidents WHERE incident_id = 'INC5'") == "user0@example.com"
    assert unlinked_incidents(engine) == ["INC5", "INC6", "INC7"]
    assert asset_detail(engine, "A0000001")["incidents"]["incident_id"].tolist() == ["INC1", "INC8"]


def test_reloading_an_incident_replaces_it_and_its_link(engine: Engine) -> None:
    _fleet(engine)
    link_incidents(engine, _incidents(TICKETS), run_id="inc-1")

    corrected = _incidents([("INC6", None, "SN-0000003", None, None)])
    result = link_incidents(engine, corrected, run_id="inc-2")

    assert (result.incidents, result.linked, result.unlinked) == (1, 1, 0)
    assert scalar(engine, "SELECT count(*) FROM incidents") == 8
    assert rows(engine, "SELECT asset_id, run_id FROM incident_links WHERE incident_id = 'INC6'") == [
        {"asset_id": "A0000003", "run_id": "inc-2"}
    ]


def test_incidents_need_an_id(engine: Engine) -> None:
    with pytest.raises(PlanIntegrityError, match="1 rows have no incident_id"):
        link_incidents(engine, _incidents([(None, "TAG-0000001", None, None, None)]), run_id="inc-1")
