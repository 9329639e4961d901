"""The three API sources as the pipeline reaches them, and the bare page sweep used as a floor."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urljoin

import requests

from connectors.device42 import DEVICES_PATH, Device42Client
from connectors.intune import IntuneClient
from connectors.miradore import DEFAULT_SELECT as MIRADORE_SELECT
from connectors.miradore import MiradoreClient
from connectors.msal_auth import MsalTokenProvider
from connectors.records import DEVICE42, INTUNE, MIRADORE, DeviceSource

DEVICE42_PAGE = 1000  # what Device42Client asks for (the server may clamp it)
MIRADORE_PAGE = 100  # MiradoreClient's page size
_NEXT_LINK = re.compile(rb'"@odata\.nextLink"\s*:\s*"([^"]+)"')
_TOTAL_COUNT = re.compile(rb'"total_count"\s*:\s*(\d+)')
_LIMIT = re.compile(rb'"limit"\s*:\s*(\d+)')
_ITEMS_COUNT = re.compile(rb'<Items count="(\d+)"')


def token_provider(env: Mapping[str, str]) -> MsalTokenProvider:
    return MsalTokenProvider(
        tenant_id=env["ITAM_INTUNE_TENANT_ID"],
        client_id=env["ITAM_INTUNE_CLIENT_ID"],
        client_secret=env["ITAM_INTUNE_CLIENT_SECRET"],
        authority_host=env["ITAM_INTUNE_AUTHORITY_HOST"],
        verify=env["REQUESTS_CA_BUNDLE"],
    )


def api_client(source: str, env: Mapping[str, str]) -> DeviceSource:
    """The pipeline's own connector for ``source``, configured from the emulator environment."""
    verify = env["REQUESTS_CA_BUNDLE"]
    if source == INTUNE:
        return IntuneClient(token_provider(env), env["ITAM_GRAPH_URL"], verify=verify)
    if source == DEVICE42:
        return Device42Client(
            env["ITAM_DEVICE42_URL"],
            env["ITAM_DEVICE42_USERNAME"],
            env["ITAM_DEVICE42_PASSWORD"],
            verify=verify,
        )
    if source == MIRADORE:
        return MiradoreClient(env["ITAM_MIRADORE_URL"], env["ITAM_MIRADORE_API_KEY"], verify=verify)
    raise KeyError(source)


# ---- the floor: fetch every page, parse nothing --------------------------------------------
def fetch_all_pages(env: Mapping[str, str]) -> dict[str, float]:
    """Seconds to GET every page of each source with the connectors' URLs and page sizes.

    Only the bytes needed to find the next page are looked at (a regex, no JSON or XML
    parsing), so this is the least any extractor of these APIs must spend.
    """
    return {source: _timed(sweep, env) for source, sweep in _SWEEPS.items()}


def fetch_all_pages_at_once(env: Mapping[str, str]) -> float:
    """Wall seconds to sweep the three APIs concurrently (one thread and session per API)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(_SWEEPS)) as pool:
        for future in [pool.submit(_timed, sweep, env) for sweep in _SWEEPS.values()]:
            future.result()
    return time.perf_counter() - started


def _timed(sweep: Callable[[requests.Session, Mapping[str, str]], None], env: Mapping[str, str]) -> float:
    with requests.Session() as session:
        # Passed per request too: requests lets a REQUESTS_CA_BUNDLE in the process environment
        # override a session-level ``verify``.
        session.verify = env["REQUESTS_CA_BUNDLE"]
        started = time.perf_counter()
        sweep(session, env)
        return time.perf_counter() - started


def _get(session: requests.Session, url: str, **kwargs: object) -> bytes:
    response = session.get(url, timeout=120, verify=session.verify, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return response.content


def _sweep_intune(session: requests.Session, env: Mapping[str, str]) -> None:
    tokens = token_provider(env)
    headers = {"Authorization": f"Bearer {tokens.get_token()}", "Accept": "application/json"}
    url: str | None = IntuneClient(tokens, env["ITAM_GRAPH_URL"]).first_url()
    while url:
        found = _NEXT_LINK.search(_get(session, url, headers=headers))
        url = urljoin(url, found.group(1).decode()) if found else None


def _sweep_device42(session: requests.Session, env: Mapping[str, str]) -> None:
    auth = (env["ITAM_DEVICE42_USERNAME"], env["ITAM_DEVICE42_PASSWORD"])
    url = env["ITAM_DEVICE42_URL"].rstrip("/") + DEVICES_PATH
    offset, total = 0, None
    while total is None or offset < total:
        body = _get(session, url, params={"limit": DEVICE42_PAGE, "offset": offset}, auth=auth)
        total = int(_TOTAL_COUNT.search(body).group(1))  # type: ignore[union-attr]
        limit = _LIMIT.search(body)
        offset += int(limit.group(1)) if limit else DEVICE42_PAGE


def _sweep_miradore(session: requests.Session, env: Mapping[str, str]) -> None:
    base = env["ITAM_MIRADORE_URL"].rstrip("/")
    query = f"auth={quote(env['ITAM_MIRADORE_API_KEY'], safe='')}&select=" + quote(
        ",".join(MIRADORE_SELECT), safe=",.*"
    )
    page, pages = 1, None
    while pages is None or page <= pages:
        body = _get(session, f"{base}/API/Device?{query}&options=rows={MIRADORE_PAGE},page={page}")
        total = int(_ITEMS_COUNT.search(body).group(1))  # type: ignore[union-attr]
        pages = -(-total // MIRADORE_PAGE)
        page += 1


_SWEEPS = {INTUNE: _sweep_intune, DEVICE42: _sweep_device42, MIRADORE: _sweep_miradore}
