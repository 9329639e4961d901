"""The estate mix: 100 device profiles, shuffled per block of 100 devices.

Devices are grouped in blocks of ``BLOCK`` consecutive indexes. Each block holds exactly
one device of every profile below, in a seeded order (an affine permutation of the 100
positions, different for every block). So each trap occurs at a fixed, documented rate
(its profile count per 100 devices) and at least once in every full block: a fleet of 300
devices shows every trap at least three times. Device ``i`` needs only its own block's
two permutation parameters, so nothing is precomputed per device.

A profile also says which sources hold the device and how many records each holds; the
per-source record list of a block is therefore fixed too, which lets a catalog map its
k-th record straight to (device index, variant) without scanning.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import gcd

from connectors.records import DEVICE42, INTUNE, MIRADORE, file_source

from .identifiers import mix

BLOCK = 100
PROCUREMENT = file_source("procurement")

# -- traps ---------------------------------------------------------------------------------
JUNK_SERIAL = "junk_serial"
VMWARE_SERIAL = "vmware_serial"
VDI_IN_INTUNE = "vdi_in_intune"
SHARED_JUNK_MAC = "shared_junk_mac"
RANDOMIZED_MAC = "randomized_mac"
HOSTNAME_REUSED = "hostname_reused"
GENERIC_HOSTNAME = "generic_hostname"
RENAMED = "renamed"
REENROLLED = "reenrolled"
SERIAL_FORMAT = "serial_format"
MAC_ONLY_LINK = "mac_only_link"
IMEI_ONLY_LINK = "imei_only_link"
MANUFACTURER_VARIANT = "manufacturer_variant"
STALE = "stale"
MIRADORE_DELETED = "miradore_deleted"
ON_ORDER = "on_order"
IN_STOCK = "in_stock"
DISPOSED = "disposed"
RETIRED = "retired"
UNTAGGED = "untagged"
BYOD_NO_SERIAL = "byod_no_serial"

TRAPS: dict[str, str] = {
    JUNK_SERIAL: "white-box PC whose firmware serial is an OEM placeholder (distinct devices share it)",
    VMWARE_SERIAL: "VMware VM whose serial is 'VMware-42 02 ...' derived from its BIOS uuid",
    VDI_IN_INTUNE: "VDI VM enrolled in Intune too (same VMware serial in Intune and Device42)",
    SHARED_JUNK_MAC: "Device42 lists a virtual/VPN adapter MAC shared by many unrelated devices",
    RANDOMIZED_MAC: "phone reports a different locally administered (private) Wi-Fi MAC to each MDM",
    HOSTNAME_REUSED: "two different laptops carry the same host name",
    GENERIC_HOSTNAME: "phone named just 'iPhone' or 'Galaxy'",
    RENAMED: "host name differs between sources (old name still in Device42 / Miradore)",
    REENROLLED: "two Intune records for the same hardware: an old enrolment and a newer one",
    SERIAL_FORMAT: "procurement sheet writes the serial differently (lowercase, 'S/N: ', dashes, spaces)",
    MAC_ONLY_LINK: "Device42 record without serial; only the Wi-Fi MAC Intune also reports links it",
    IMEI_ONLY_LINK: "Miradore record without serial; only the IMEI Intune also reports links it",
    MANUFACTURER_VARIANT: "one source uses a rare manufacturer spelling ('Dell Computer Corporation')",
    STALE: "last check-in 100-300 days ago",
    MIRADORE_DELETED: "Miradore record with Status 'Deleted'; the phone moved to Intune",
    ON_ORDER: "procurement row only, status on_order, no serial yet",
    IN_STOCK: "procurement row only, status in_stock (not enrolled anywhere)",
    DISPOSED: "procurement status disposed",
    RETIRED: "procurement status retired",
    UNTAGGED: "procurement row without asset tag (keyed by serial)",
    BYOD_NO_SERIAL: "personal Android phone in Intune with an empty serial (IMEI only)",
}

SOURCES = (INTUNE, DEVICE42, MIRADORE, PROCUREMENT)


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of device and where it shows up."""

    slot: int
    kind: str
    intune_records: int  # 0, 1, or 2 for a re-enrolled device
    device42: bool
    miradore: bool
    procurement: bool
    traps: frozenset[str]

    @property
    def status(self) -> str:
        """Procurement status: the lifecycle trap if any, else active."""
        for status in (ON_ORDER, IN_STOCK, DISPOSED, RETIRED):
            if status in self.traps:
                return status
        return "active"

    def records(self, source: str) -> int:
        """How many records ``source`` holds for a device of this profile."""
        if source == INTUNE:
            return self.intune_records
        flag = {DEVICE42: self.device42, MIRADORE: self.miradore, PROCUREMENT: self.procurement}[source]
        return int(flag)


# (count, kind, sources, traps). Sources: I = Intune, I2 = Intune twice (re-enrolment),
# D = Device42, M = Miradore, P = procurement feed. Counts add up to BLOCK.
_MIX: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (11, "laptop", "I P", ()),
    (1, "laptop", "I P", (UNTAGGED,)),
    (3, "laptop", "I M P", ()),
    (2, "laptop", "I2 P", (REENROLLED,)),
    (2, "laptop", "I D P", (RENAMED,)),
    (2, "laptop", "I D P", (MAC_ONLY_LINK,)),
    (2, "laptop", "I P", (HOSTNAME_REUSED,)),
    (2, "laptop", "I P", (SERIAL_FORMAT,)),
    (1, "laptop", "I P", (STALE,)),
    (1, "laptop", "P", (ON_ORDER,)),
    (1, "laptop", "P", (IN_STOCK,)),
    (1, "laptop", "I P", (DISPOSED, STALE)),
    (1, "laptop", "I D P", (MANUFACTURER_VARIANT,)),
    (4, "desktop", "I P", ()),
    (1, "desktop", "I P", (UNTAGGED,)),
    (3, "desktop", "I D P", ()),
    (3, "desktop", "I D", (JUNK_SERIAL,)),
    (1, "desktop", "D", (JUNK_SERIAL, SHARED_JUNK_MAC)),
    (1, "desktop", "I D P", (SHARED_JUNK_MAC,)),
    (1, "desktop", "P", (RETIRED,)),
    (1, "desktop", "I P", (STALE,)),
    (6, "phone", "I P", ()),
    (2, "phone", "I M P", ()),
    (2, "phone", "I M P", (RANDOMIZED_MAC,)),
    (2, "phone", "I M P", (IMEI_ONLY_LINK,)),
    (3, "phone", "I P", (GENERIC_HOSTNAME,)),
    (1, "phone", "I M P", (MIRADORE_DELETED,)),
    (1, "phone", "M", (STALE,)),
    (1, "phone", "I", (BYOD_NO_SERIAL,)),
    (1, "phone", "I2 P", (REENROLLED,)),
    (1, "phone", "P", (IN_STOCK,)),
    (3, "tablet", "I P", ()),
    (2, "tablet", "M P", ()),
    (1, "tablet", "I M P", (RENAMED,)),
    (3, "server", "D P", ()),
    (1, "server", "D P", (SERIAL_FORMAT,)),
    (1, "server", "D", ()),
    (6, "vm", "D", (VMWARE_SERIAL,)),
    (2, "vm", "I D", (VMWARE_SERIAL, VDI_IN_INTUNE)),
    (3, "network", "D P", ()),
    (1, "network", "P", (ON_ORDER,)),
    (3, "printer", "D P", ()),
    (1, "printer", "P", (DISPOSED,)),
    (4, "display", "P", ()),
    (2, "sim", "P", ()),
    (2, "storage", "D P", ()),
)


def _build_profiles() -> tuple[Profile, ...]:
    profiles: list[Profile] = []
    for count, kind, sources, traps in _MIX:
        codes = sources.split()
        intune = 2 if "I2" in codes else int("I" in codes)
        for _ in range(count):
            profiles.append(
                Profile(
                    len(profiles), kind, intune, "D" in codes, "M" in codes, "P" in codes, frozenset(traps)
                )
            )
    if len(profiles) != BLOCK:
        raise AssertionError(f"profile mix has {len(profiles)} slots, expected {BLOCK}")
    return tuple(profiles)


PROFILES: tuple[Profile, ...] = _build_profiles()

# The two slots whose devices share a host name (the later position takes the earlier's name).
REUSE_PAIR: tuple[int, int] = tuple(p.slot for p in PROFILES if HOSTNAME_REUSED in p.traps)  # type: ignore[assignment]

# Per source: the (slot, variant) of every record one full block yields, in slot order.
RECORD_TABLES: dict[str, tuple[tuple[int, int], ...]] = {
    source: tuple((p.slot, v) for p in PROFILES for v in range(p.records(source))) for source in SOURCES
}
RECORDS_PER_BLOCK: dict[str, int] = {source: len(table) for source, table in RECORD_TABLES.items()}

_UNITS = tuple(a for a in range(1, BLOCK) if gcd(a, BLOCK) == 1)
_INVERSE = {a: pow(a, -1, BLOCK) for a in _UNITS}


@lru_cache(maxsize=4096)  # pages walk a few blocks at a time
def block_permutation(seed: int, block: int) -> tuple[int, int]:
    """(a, c) of the block's position -> slot map ``slot = (a * position + c) % BLOCK``."""
    h = mix(seed, block, 0xB10C)
    return _UNITS[h % len(_UNITS)], (h >> 16) % BLOCK


def slot_of(seed: int, index: int) -> int:
    """The profile slot of device ``index``."""
    block, position = divmod(index, BLOCK)
    a, c = block_permutation(seed, block)
    return (a * position + c) % BLOCK


def index_of_slot(seed: int, block: int, slot: int) -> int:
    """The device index that holds ``slot`` in ``block`` (inverse of ``slot_of``)."""
    a, c = block_permutation(seed, block)
    return block * BLOCK + (_INVERSE[a] * (slot - c)) % BLOCK


def reuse_partner(seed: int, index: int) -> int:
    """The other device of a hostname-reuse pair (same block)."""
    block = index // BLOCK
    first, second = (index_of_slot(seed, block, s) for s in REUSE_PAIR)
    return second if index == first else first
