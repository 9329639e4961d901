"""The emulators themselves: TLS, wire shapes, switches and the ``serve`` command."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography import x509
from emulator_helpers import FLEET_SIZE, token_provider

from connectors.emulators import Credentials, EmulatorSet
from connectors.emulators.catalog import FunctionCatalog, ListCatalog, sample_catalogs
from connectors.emulators.tls import ensure_tls_files

ROOT = Path(__file__).resolve().parents[2]


def test_tls_files_have_an_ip_san_and_are_reused(tmp_path) -> None:
    files = ensure_tls_files(tmp_path)
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    before = files.cert.read_bytes()
    assert ensure_tls_files(tmp_path) == files
    assert files.cert.read_bytes() == before
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"


def test_catalogs_page() -> None:
    listed = ListCatalog([{"id": i} for i in range(5)])
    assert len(listed) == 5 and listed.page(3, 10) == [{"id": 3}, {"id": 4}] and listed.page(9, 2) == []
    lazy = FunctionCatalog(1_000_000, lambda i: {"id": i})
    assert len(lazy) == 1_000_000 and lazy.page(999_999, 5) == [{"id": 999_999}]
    fleet = sample_catalogs(10, seed=3)
    assert fleet.intune.page(0, 10) == sample_catalogs(10, seed=3).intune.page(0, 10)  # deterministic
    device = fleet.intune.page(0, 1)[0]
    assert device["ethernetMacAddress"] is None and device["physicalMemoryInBytes"] == 0
    assert device["easActivationDateTime"] == "0001-01-01T00:00:00Z"


def test_credentials_are_deterministic() -> None:
    assert Credentials.generate(1) == Credentials.generate(1)
    assert Credentials.generate(1) != Credentials.generate(2)


def test_env_lists_every_variable(emus) -> None:
    env = emus.env()
    assert set(env) == {
        "ITAM_INTUNE_TENANT_ID",
        "ITAM_INTUNE_CLIENT_ID",
        "ITAM_INTUNE_CLIENT_SECRET",
        "ITAM_INTUNE_AUTHORITY_HOST",
        "ITAM_GRAPH_URL",
        "ITAM_DEVICE42_URL",
        "ITAM_DEVICE42_USERNAME",
        "ITAM_DEVICE42_PASSWORD",
        "ITAM_MIRADORE_URL",
        "ITAM_MIRADORE_API_KEY",
        "REQUESTS_CA_BUNDLE",
    }
    assert all(env[k].startswith("https://127.0.0.1:") for k in env if k.endswith(("_URL", "_HOST")))
    assert Path(env["REQUESTS_CA_BUNDLE"]).is_file()


def test_openid_configuration_points_at_the_emulator(emus) -> None:
    tenant = emus.credentials.tenant_id
    url = f"{emus.authority_host}/{tenant}/v2.0/.well-known/openid-configuration"
    config = requests.get(url, verify=emus.ca_path, timeout=5).json()
    for key in ("issuer", "authorization_endpoint", "token_endpoint"):
        assert config[key].startswith(f"{emus.authority_host}/{tenant}/")
    bad = requests.get(
        f"{emus.authority_host}/nope/v2.0/.well-known/openid-configuration", verify=emus.ca_path, timeout=5
    )
    assert bad.status_code == 400 and bad.json()["error_codes"] == [90002]


def test_token_endpoint_shapes(emus) -> None:
    c = emus.credentials
    url = f"{emus.authority_host}/{c.tenant_id}/oauth2/v2.0/token"
    form = {
        "client_id": c.client_id,
        "client_secret": c.client_secret,
        "grant_type": "client_credentials",
        "scope": "https://graph.microsoft.com/.default",
        "client_info": "1",
    }
    ok = requests.post(url, data=form, verify=emus.ca_path, timeout=5).json()
    assert ok["token_type"] == "Bearer" and ok["expires_in"] >= 3600 and ok["access_token"]
    bad = requests.post(url, data={**form, "client_secret": "x"}, verify=emus.ca_path, timeout=5)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert bad.json()["error_description"].startswith("AADSTS7000215:")
    unknown = requests.post(url, data={**form, "client_id": "x"}, verify=emus.ca_path, timeout=5)
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [700016]


def test_graph_paging_shape(emus) -> None:
    token = token_provider(emus).get_token()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{emus.graph_url}/v1.0/deviceManagement/managedDevices?$select=id,deviceName&$top=1000"
    body = requests.get(url, headers=headers, verify=emus.ca_path, timeout=5).json()
    assert body["@odata.context"].endswith("$metadata#deviceManagement/managedDevices(id,deviceName)")
    assert len(body["value"]) == 1000 and set(body["value"][0]) == {"id", "deviceName"}
    link = body["@odata.nextLink"]
    assert link.startswith(emus.graph_url + "/v1.0/deviceManagement/managedDevices?")
    query = parse_qs(urlsplit(link).query)
    assert query["$select"] == ["id,deviceName"] and query["$top"] == ["1000"] and "$skiptoken" in query
    # unknown property, missing token
    bad = requests.get(
        url.replace("deviceName", "chassisType"), headers=headers, verify=emus.ca_path, timeout=5
    )
    assert bad.status_code == 400 and "chassisType" in bad.json()["error"]["message"]
    anonymous = requests.get(url, verify=emus.ca_path, timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_graph_429_shape(emus) -> None:
    emus.intune.faults.throttle_next = 1
    emus.intune.faults.retry_after_seconds = 17
    token = token_provider(emus).get_token()
    response = requests.get(
        f"{emus.graph_url}/v1.0/deviceManagement/managedDevices",
        headers={"Authorization": f"Bearer {token}"},
        verify=emus.ca_path,
        timeout=5,
    )
    assert response.status_code == 429 and response.headers["Retry-After"] == "17"
    assert response.json()["error"]["code"] == "TooManyRequests"


def test_device42_wire_shapes(emus) -> None:
    c = emus.credentials
    url = f"{emus.device42_url}/api/1.0/devices/all/?limit=1000&offset=500"
    body = requests.get(
        url, auth=(c.device42_username, c.device42_password), verify=emus.ca_path, timeout=5
    ).json()
    assert (body["total_count"], body["limit"], body["offset"], len(body["Devices"])) == (
        FLEET_SIZE,
        500,
        500,
        500,
    )
    denied = requests.get(url, auth=(c.device42_username, "x"), verify=emus.ca_path, timeout=5)
    assert denied.status_code == 401 and denied.json() == {"msg": "Invalid username/password.", "code": 1}


def test_miradore_wire_shapes(emus) -> None:
    c = emus.credentials
    base = f"{emus.miradore_url}/API/Device"
    params = {
        "auth": c.miradore_api_key,
        "select": "ID,InvDevice.SerialNumber,Tag.Name",
        "options": "rows=2,page=3",
    }
    response = requests.get(base, params=params, verify=emus.ca_path, timeout=5)
    text = response.text
    assert response.status_code == 200 and "xml" in response.headers["Content-Type"]
    assert f'<Items count="{FLEET_SIZE}">' in text
    assert "<ID>5</ID><InvDevice><SerialNumber>" in text
    assert "<Tags><Tag><Name>field</Name></Tag></Tags>" in text
    denied = requests.get(base, params={**params, "auth": "x"}, verify=emus.ca_path, timeout=5)
    assert denied.status_code == 401 and "<Description>Authentication failed</Description>" in denied.text
    wrong_case = requests.get(
        base.replace(c.miradore_site, c.miradore_site.lower()), params=params, verify=emus.ca_path, timeout=5
    )
    assert wrong_case.status_code == 500


def test_down_switch(emus) -> None:
    emus.device42.faults.down = True
    response = requests.get(f"{emus.device42_url}/api/1.0/devices/all/", verify=emus.ca_path, timeout=5)
    assert response.status_code == 503


def test_serve_command_prints_the_environment(tmp_path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connectors.emulators",
            "serve",
            "--size",
            "20",
            "--seed",
            "5",
            "--state-dir",
            str(tmp_path),
            "--sample",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "REQUESTS_CA_BUNDLE" not in lines:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line[7:].strip().partition("=")
                lines[key] = value.strip("'")
        assert "ITAM_GRAPH_URL" in lines and "ITAM_MIRADORE_API_KEY" in lines, process.stderr.read()
        response = requests.get(
            f"{lines['ITAM_DEVICE42_URL']}/api/1.0/devices/all/",
            auth=(lines["ITAM_DEVICE42_USERNAME"], lines["ITAM_DEVICE42_PASSWORD"]),
            verify=lines["REQUESTS_CA_BUNDLE"],
            timeout=5,
        )
        assert response.json()["total_count"] == 20
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("serve did not stop on SIGTERM")
    assert process.returncode == 0


def test_fleet_catalogs_are_picked_up_or_refused() -> None:
    sample = sample_catalogs(3)
    emus = EmulatorSet(
        fleet={
            "intune": sample.intune,
            "device42": lambda: sample.device42,
            "miradore_catalog": sample.miradore,
        }
    )
    try:
        assert emus.intune.app.catalog is sample.intune
        assert emus.device42.app.catalog is sample.device42
        assert emus.miradore.app.catalog is sample.miradore
    finally:
        emus.stop()
    with pytest.raises(TypeError, match="device42"):
        EmulatorSet(fleet={"intune": sample.intune})


def test_urls(emus) -> None:
    urls = emus.urls()
    assert set(urls) == {"entra", "graph", "device42", "miradore"}
    assert urls["miradore"] == emus.env()["ITAM_MIRADORE_URL"]
