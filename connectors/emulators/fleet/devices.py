"""One physical (or virtual) device: the ground truth every source record is rendered from.

``build_device(seed, index, now)`` is a pure function: the same arguments give the same
device, and no other device is consulted except the partner of a host-name reuse pair
(whose name is computed, not built). Users are shared by two consecutive indexes (the
person behind ``index // 2``), so a laptop and a phone of one person corroborate each other.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from random import Random

from .identifiers import (
    DIGITS,
    MASK64,
    SALT_VM_MAC,
    SALT_WIFI,
    SALT_WIRED,
    apple_udid,
    guid,
    imei,
    mac_from,
    mac_suffix,
    mix,
    oobe_hostname,
    serial_number,
    token,
    vmware_serial,
    vmware_uuid,
)
from .profiles import (
    DISPOSED,
    GENERIC_HOSTNAME,
    HOSTNAME_REUSED,
    IN_STOCK,
    JUNK_SERIAL,
    ON_ORDER,
    PROFILES,
    RENAMED,
    RETIRED,
    STALE,
    UNTAGGED,
    VDI_IN_INTUNE,
    Profile,
    reuse_partner,
    slot_of,
)
from .vocabulary import (
    COST_RANGES,
    DEPARTMENTS,
    FIRST_NAMES,
    HOST_PREFIXES,
    INTEL_WIFI_OUIS,
    JUNK_SERIALS,
    LAST_NAMES,
    LOCATIONS,
    MAIL_DOMAIN,
    MODELS,
    OS_VERSIONS,
    SUPPLIERS,
    TACS,
    VDI_MODEL,
    VENDOR_MIX,
    VENDORS,
    WARRANTY_YEARS,
    Model,
    Vendor,
)

ASSET_TYPES = {
    "laptop": "laptop",
    "desktop": "desktop",
    "phone": "mobile_phone",
    "tablet": "tablet",
    "server": "server",
    "vm": "virtual_machine",
    "network": "network_device",
    "printer": "printer",
    "display": "display",
    "sim": "sim_card",
    "storage": "storage",
}
_USER_KINDS = frozenset({"laptop", "desktop", "phone", "tablet", "sim", "display"})
_MDM_KINDS = frozenset(
    {"laptop", "desktop", "phone", "tablet", "server", "vm", "network", "printer", "storage"}
)
_SALT_UUID = 0x5B105
_SALT_USER = 0x05E7
_SALT_OFFICE = 0x10C
_SALT_ORDER = 3
_PERSONS_PER_NAME_ROUND = len(FIRST_NAMES) * len(LAST_NAMES)


@dataclass(frozen=True, slots=True)
class Person:
    """A user of the estate."""

    number: int
    first: str
    last: str
    email: str
    object_id: str  # Entra user object id
    office: tuple[str, str, str, str]  # location: name, currency, building code, egress IP


@dataclass(frozen=True, slots=True)
class Device:
    """The truth about one device; sources render (and distort) it."""

    seed: int
    index: int
    profile: Profile
    vendor: Vendor
    model: Model
    serial: str  # what the firmware reports (a placeholder for junk-serial devices)
    imei: str | None
    uuid: str | None
    udid: str | None
    wifi_mac: str | None  # canonical aa:bb:cc:dd:ee:ff, burned-in
    wired_macs: tuple[str, ...]
    hostname: str | None  # current name; for phones the user-facing device name
    previous_hostname: str | None  # name before a rename (``renamed`` trap)
    asset_tag: str | None
    user: Person | None
    os: str
    os_version: str
    location: tuple[str, str, str, str]  # name, currency, building code, egress IP
    cost_center: str
    department: str
    purchase_date: date
    warranty_end: date | None
    purchase_cost: str  # plain decimal text, e.g. "1234.50"
    supplier: str
    order_number: str
    enrolled_at: datetime | None  # current enrolment / first discovery; None if never in a source
    last_seen_at: datetime | None
    previous_enrolled_at: datetime | None  # the superseded enrolment of a re-enrolled device
    previous_last_seen_at: datetime | None
    storage_bytes: int
    noise: int  # per-device entropy for rendering choices

    @property
    def uid(self) -> str:
        """Stable id of the physical device (the truth key)."""
        return device_uid(self.index)

    @property
    def kind(self) -> str:
        return self.profile.kind

    @property
    def traps(self) -> frozenset[str]:
        return self.profile.traps

    @property
    def asset_type(self) -> str:
        """The AssetType taxonomy value."""
        return ASSET_TYPES[self.kind]

    @property
    def serial_valid(self) -> bool:
        """False when the firmware serial is a placeholder shared by unrelated machines."""
        return JUNK_SERIAL not in self.traps

    def choice(self, salt: int, n: int) -> int:
        """A deterministic pick in ``range(n)`` for a rendering decision named by ``salt``."""
        # One multiply-shift instead of a full ``mix``: renderers call this a dozen times per record.
        return (((self.noise ^ (salt * 0x9E3779B97F4A7C15)) * 0xBF58476D1CE4E5B9 & MASK64) >> 29) % n


def device_uid(index: int) -> str:
    """The truth id of device ``index``."""
    return f"dev-{index:07d}"


def index_of_uid(uid: str) -> int:
    """Inverse of ``device_uid``."""
    if not uid.startswith("dev-"):
        raise ValueError(f"not a device uid: {uid!r}")
    return int(uid[4:])


def _ascii_fold(text: str) -> str:
    for src, dst in (
        ("ü", "ue"),
        ("ö", "oe"),
        ("ä", "ae"),
        ("ß", "ss"),
        ("ø", "o"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
    ):
        text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _folded(name: str) -> str:
    return _ascii_fold(name).lower()


@lru_cache(maxsize=4096)  # two devices per person, and pages walk devices in clusters
def person(seed: int, number: int) -> Person:
    """Person ``number``: names cycle through every first/last combination, then get a suffix."""
    scrambled = (number * 37) % _PERSONS_PER_NAME_ROUND  # 37 is coprime with 900: a bijection
    first = FIRST_NAMES[scrambled % len(FIRST_NAMES)]
    last = LAST_NAMES[scrambled // len(FIRST_NAMES)]
    round_ = number // _PERSONS_PER_NAME_ROUND
    suffix = str(round_ + 1) if round_ else ""
    email = f"{_folded(first)}.{_folded(last)}{suffix}@{MAIL_DOMAIN}"
    office = LOCATIONS[mix(seed, number, _SALT_OFFICE) % len(LOCATIONS)]
    return Person(number, first, last, email, guid(seed, number, _SALT_USER), office)


def host_name(kind: str, index: int, traps: frozenset[str] = frozenset()) -> str | None:
    """The name IT gives a device of ``kind`` (None for kinds without one of their own)."""
    if VDI_IN_INTUNE in traps:
        return f"vdi-{index:05d}"
    prefix = HOST_PREFIXES.get(kind)
    return f"{prefix}-{index:05d}" if prefix else None


def has_asset_tag(profile: Profile) -> bool:
    """True when devices of ``profile`` carry an organisation asset tag (known from the profile alone)."""
    return profile.procurement and profile.kind != "vm" and UNTAGGED not in profile.traps


def asset_tag_of(index: int) -> str:
    """The asset tag of device ``index`` (when it has one)."""
    return f"CT{index + 1:07d}"


def _weighted(rng: Random, options: tuple[tuple[str, int], ...]) -> str:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for key, weight in options:
        point -= weight
        if point < 0:
            return key
    return options[-1][0]


def _serial(profile: Profile, vendor: Vendor, index: int, rng: Random, uuid: str | None) -> str:
    if JUNK_SERIAL in profile.traps:
        return JUNK_SERIALS[int(rng.random() * len(JUNK_SERIALS))]
    if profile.kind == "vm" and uuid:
        return vmware_serial(uuid)
    if profile.kind == "display" and vendor.key != "lg":
        return serial_number("display", index, rng)
    return serial_number(vendor.serial_format, index, rng)


def _macs(kind: str, vendor: Vendor, index: int, rng: Random) -> tuple[str | None, tuple[str, ...]]:
    """(burned-in Wi-Fi MAC, wired MACs) for a device."""
    wifi: str | None = None
    if kind == "laptop":
        wifi = mac_from(
            INTEL_WIFI_OUIS[int(rng.random() * len(INTEL_WIFI_OUIS))], mac_suffix(index, SALT_WIFI)
        )
    elif kind in ("phone", "tablet"):
        ouis = vendor.wired_ouis
        wifi = mac_from(ouis[int(rng.random() * len(ouis))], mac_suffix(index, SALT_WIFI))
    if kind == "vm":
        # vCenter hands out 00:50:56:80:00:00-00:50:56:bf:ff:ff.
        return None, (mac_from("00:50:56", 0x800000 + mac_suffix(index, SALT_VM_MAC, 22)),)
    ports = {"desktop": 1, "server": 2, "network": 1, "printer": 1, "storage": 2}.get(kind, 0)
    if kind == "laptop" and vendor.key != "apple":
        ports = 1  # dock / built-in Ethernet
    if not ports or not vendor.wired_ouis:
        return wifi, ()
    oui = vendor.wired_ouis[int(rng.random() * len(vendor.wired_ouis))]
    # Two suffixes per device index (2i, 2i+1) keep every port of every device distinct.
    return wifi, tuple(mac_from(oui, mac_suffix(2 * index + port, SALT_WIRED)) for port in range(ports))


def _phone_name(vendor: Vendor, model: Model, user: Person | None, traps: frozenset[str]) -> str:
    short = "iPhone" if vendor.key == "apple" else "Galaxy"
    if GENERIC_HOSTNAME in traps or user is None:
        return short
    return f"{user.first}’s {short if vendor.key == 'apple' else model.name}"


def _hostname(
    seed: int, index: int, profile: Profile, vendor: Vendor, model: Model, user: Person | None
) -> str | None:
    if profile.kind == "phone":
        return _phone_name(vendor, model, user, profile.traps)
    if HOSTNAME_REUSED in profile.traps:
        partner = reuse_partner(seed, index)
        return host_name(profile.kind, min(index, partner))  # the later device took the earlier's name
    return host_name(profile.kind, index, profile.traps)


def _previous_hostname(profile: Profile, vendor: Vendor, user: Person | None, rng: Random) -> str | None:
    if RENAMED not in profile.traps:
        return None
    if profile.kind == "tablet":
        owner = user.first if user else "Loaner"
        return f"{owner}’s {'iPad' if vendor.key == 'apple' else 'Galaxy Tab'}"
    return oobe_hostname(rng)


@dataclass(frozen=True, slots=True)
class _Timeline:
    purchase: date
    enrolled: datetime | None
    last_seen: datetime | None
    previous_enrolled: datetime | None
    previous_last_seen: datetime | None


def _timeline(profile: Profile, now: datetime, rng: Random) -> _Timeline:
    """Dates consistent by construction: purchase < enrolment < last check-in <= now."""
    r = rng.random
    traps = profile.traps
    if ON_ORDER in traps:
        return _Timeline((now - timedelta(days=5 + r() * 35)).date(), None, None, None, None)
    if IN_STOCK in traps:
        return _Timeline((now - timedelta(days=10 + r() * 110)).date(), None, None, None, None)
    in_any_source = profile.intune_records or profile.device42 or profile.miradore
    if not in_any_source or profile.kind not in _MDM_KINDS:
        days = 1500 + r() * 700 if (RETIRED in traps or DISPOSED in traps) else 30 + r() * 1470
        return _Timeline((now - timedelta(days=days)).date(), None, None, None, None)
    seen_ago = 100 + r() * 200 if STALE in traps else r() * 4
    if DISPOSED in traps:
        seen_ago = 200 + r() * 200
    last_seen = (now - timedelta(days=seen_ago)).replace(microsecond=0)
    enrolled = (last_seen - timedelta(days=(900 if DISPOSED in traps else 20) + r() * 600)).replace(
        microsecond=0
    )
    previous_enrolled = previous_last_seen = None
    first_enrolment = enrolled
    if profile.intune_records == 2:
        previous_enrolled = (enrolled - timedelta(days=180 + r() * 320)).replace(microsecond=0)
        previous_last_seen = (enrolled - timedelta(days=1 + r() * 9)).replace(microsecond=0)
        first_enrolment = previous_enrolled
    purchase = (first_enrolment - timedelta(days=3 + r() * 17)).date()
    return _Timeline(purchase, enrolled, last_seen, previous_enrolled, previous_last_seen)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _cost(kind: str, rng: Random) -> str:
    low, high = COST_RANGES[kind]
    cents = int(low * 100 + rng.random() * (high - low) * 100)
    return f"{cents // 100}.{cents % 100:02d}"


def build_device(seed: int, index: int, now: datetime) -> Device:
    """Device ``index`` of the fleet seeded ``seed``, with times relative to ``now``."""
    profile = PROFILES[slot_of(seed, index)]
    kind, traps = profile.kind, profile.traps
    rng = Random(mix(seed, index))
    vendor_mix = VENDOR_MIX["whitebox" if JUNK_SERIAL in traps else kind]
    vendor = VENDORS[_weighted(rng, vendor_mix)]
    models = MODELS[(kind, vendor.key)]
    model = VDI_MODEL if VDI_IN_INTUNE in traps else models[int(rng.random() * len(models))]
    uuid = None
    if kind == "vm":
        uuid = vmware_uuid(seed, index)
    elif kind in ("laptop", "desktop", "server"):
        uuid = guid(seed, index, _SALT_UUID)
    wifi_mac, wired_macs = _macs(kind, vendor, index, rng)
    has_user = (kind in _USER_KINDS or VDI_IN_INTUNE in traps) and not (traps & {ON_ORDER, IN_STOCK})
    user = person(seed, index // 2) if has_user else None
    # A user's devices sit in the user's office; others anywhere.
    location = user.office if user else LOCATIONS[int(rng.random() * len(LOCATIONS))]
    timeline = _timeline(profile, now, rng)
    years = WARRANTY_YEARS[kind]
    os_versions = OS_VERSIONS[model.os]
    dept_seed = user.number if user else index
    return Device(
        seed=seed,
        index=index,
        profile=profile,
        vendor=vendor,
        model=model,
        serial=_serial(profile, vendor, index, rng, uuid),
        imei=imei(index, TACS[model.code]) if kind == "phone" else None,
        uuid=uuid,
        udid=apple_udid(seed, index) if vendor.key == "apple" and kind in ("phone", "tablet") else None,
        wifi_mac=wifi_mac,
        wired_macs=wired_macs,
        hostname=_hostname(seed, index, profile, vendor, model, user),
        previous_hostname=_previous_hostname(profile, vendor, user, rng),
        asset_tag=asset_tag_of(index) if has_asset_tag(profile) else None,
        user=user,
        os=model.os,
        os_version=os_versions[int(rng.random() * len(os_versions))],
        location=location,
        cost_center=f"CC-{4100 + dept_seed % 40}",
        department=DEPARTMENTS[dept_seed % len(DEPARTMENTS)],
        purchase_date=timeline.purchase,
        warranty_end=_add_years(timeline.purchase, years) if years else None,
        purchase_cost=_cost(kind, rng),
        supplier=SUPPLIERS[int(rng.random() * len(SUPPLIERS))],
        order_number=f"PO-{timeline.purchase.year}-{token(index, DIGITS, 7, _SALT_ORDER)}",
        enrolled_at=timeline.enrolled,
        last_seen_at=timeline.last_seen,
        previous_enrolled_at=timeline.previous_enrolled,
        previous_last_seen_at=timeline.previous_last_seen,
        storage_bytes=int(model.storage_gb * 1_000_000_000 * (0.92 + 0.05 * rng.random())),
        noise=rng.getrandbits(64),
    )
