"""Deterministic identifier factories: hashes, serials, IMEIs, MACs, UUIDs.

Every identifier is a pure function of (seed, device index, salt). Uniqueness is built in
rather than hoped for: the part of a serial or MAC that tells devices apart is an affine
bijection of the device index (``a * index + c mod M`` with ``gcd(a, M) == 1``), padded
with pseudo-random characters for realism. That gives collision-free identifiers for
fleets far beyond 1,000,000 devices (serial tokens: 34**5 = 45 M; MAC suffixes: 2**24 = 16 M
per OUI; IMEI serial parts: 10**6 per Type Allocation Code, several TACs per model).
"""

from __future__ import annotations

from functools import cache
from random import Random

MASK64 = (1 << 64) - 1

ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I/O: vendors avoid them in serials
DIGITS = "0123456789"
HEX = "0123456789abcdef"

# Multipliers for the affine bijections: primes larger than any alphabet, so coprime with M.
_PRIMES = (1_000_003, 2_000_003, 3_000_017, 4_000_037, 5_000_011, 6_000_011, 7_000_003, 8_000_009)


def mix(*parts: int) -> int:
    """A 64-bit splitmix64-style hash of integers; cheap and well distributed."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & MASK64)) * 0xBF58476D1CE4E5B9 & MASK64
        x ^= x >> 31
        x = (x + 0x9E3779B97F4A7C15) * 0x94D049BB133111EB & MASK64
        x ^= x >> 29
    return x


@cache
def _offset(salt: int) -> int:
    return mix(salt)


def token(value: int, alphabet: str, width: int, salt: int) -> str:
    """``width`` characters that are distinct for every ``value`` below ``len(alphabet)**width``."""
    base = len(alphabet)
    modulus = base**width
    x = (_PRIMES[salt % len(_PRIMES)] * value + _offset(salt)) % modulus
    chars = []
    for _ in range(width):
        x, digit = divmod(x, base)
        chars.append(alphabet[digit])
    return "".join(chars)


def random_chars(rng: Random, alphabet: str, count: int) -> str:
    """``count`` pseudo-random characters of ``alphabet`` (padding that carries no identity)."""
    return "".join(alphabet[int(rng.random() * len(alphabet))] for _ in range(count))


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits`` (IMEI, ICCID)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled positions, counted from the right of the payload
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


# Salts: one per identifier family so two families never share a token sequence.
SALT_SERIAL = 11
SALT_IMEI = 12
SALT_WIFI = 13
SALT_WIRED = 14
SALT_VM_MAC = 15
SALT_ICCID = 16
SALT_TAG = 17


def serial_number(fmt: str, index: int, rng: Random) -> str:
    """A vendor-shaped serial number that is unique per (format, index)."""
    unique = token(index, ALNUM, 5, SALT_SERIAL + len(fmt))
    pick = rng.random
    if fmt == "dell":  # 7-character service tag
        return random_chars(rng, ALNUM, 1) + unique + random_chars(rng, ALNUM, 1)
    if fmt == "hp":  # 10 characters: site prefix, year digit, week, unit
        prefix = ("5CG", "CND", "MXL", "CNU", "5CD")[int(pick() * 5)]
        return prefix + str(1 + int(pick() * 5)) + unique + random_chars(rng, ALNUM, 1)
    if fmt == "hpe":
        return "CZ" + str(int(pick() * 10)) + unique + random_chars(rng, ALNUM, 2)
    if fmt == "lenovo":  # 8 characters
        return ("PF", "PC", "R9", "MJ")[int(pick() * 4)] + unique + random_chars(rng, ALNUM, 1)
    if fmt == "apple":  # 12 characters
        return ("C02", "FVF", "DMP", "F17", "G6T")[int(pick() * 5)] + unique + random_chars(rng, ALNUM, 4)
    if fmt == "samsung":  # 11 characters
        return "R5" + "8CF"[int(pick() * 3)] + unique + random_chars(rng, ALNUM, 3)
    if fmt == "cisco":  # 11 characters: FOC + year + week-ish + unit
        return "FOC" + random_chars(rng, DIGITS, 2) + unique + random_chars(rng, ALNUM, 1)
    if fmt == "brother":  # 15 characters
        return "E7" + random_chars(rng, ALNUM, 4) + "N" + unique + random_chars(rng, DIGITS, 3)
    if fmt == "lg":
        return random_chars(rng, DIGITS, 3) + "NT" + unique + random_chars(rng, ALNUM, 2)
    if fmt == "netapp":  # 12 digits
        return "72" + random_chars(rng, DIGITS, 3) + token(index, DIGITS, 7, SALT_SERIAL)
    if fmt == "iccid":
        return iccid(index, rng)
    if fmt == "display":
        return "CN0" + random_chars(rng, ALNUM, 5) + unique + random_chars(rng, ALNUM, 7)
    raise ValueError(f"unknown serial format {fmt!r}")


def imei(index: int, tacs: tuple[str, ...]) -> str:
    """A 15-digit IMEI with a valid Luhn check digit, unique per (TAC list, index)."""
    tac = tacs[(index // 1_000_000) % len(tacs)]
    body = tac + token(index % 1_000_000, DIGITS, 6, SALT_IMEI)
    return body + luhn_check_digit(body)


def iccid(index: int, rng: Random) -> str:
    """A 19-digit SIM ICCID (industry 89, country, issuer, account, Luhn digit)."""
    body = "89" + ("35", "46", "49", "44")[int(rng.random() * 4)] + "01" + token(index, DIGITS, 8, SALT_ICCID)
    body += random_chars(rng, DIGITS, 18 - len(body))
    return body + luhn_check_digit(body)


def mac_from(oui: str, suffix: int) -> str:
    """Canonical ``aa:bb:cc:dd:ee:ff`` from an OUI (``AA:BB:CC``) and a 24-bit suffix."""
    tail = f"{suffix & 0xFFFFFF:06x}"
    return f"{oui.lower()}:{tail[0:2]}:{tail[2:4]}:{tail[4:6]}"


def mac_suffix(index: int, salt: int, bits: int = 24) -> int:
    """A ``bits``-bit value distinct for every index below ``2**bits``."""
    return (_PRIMES[salt % len(_PRIMES)] * index + _offset(salt)) % (1 << bits)


def randomized_mac(rng: Random) -> str:
    """A locally administered unicast MAC, as phones use for private Wi-Fi addresses."""
    first = (int(rng.random() * 256) & 0xFC) | 0x02
    rest = [int(rng.random() * 256) for _ in range(5)]
    return ":".join(f"{b:02x}" for b in [first, *rest])


def guid(*parts: int) -> str:
    """A version-4-shaped GUID derived from integers (deterministic, not random)."""
    value = (mix(*parts) << 64) | mix(*parts, 0x5EED)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version nibble
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant bits
    text = f"{value:032x}"
    return f"{text[0:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def vmware_uuid(*parts: int) -> str:
    """A VM BIOS UUID as vCenter assigns it (first byte 0x42)."""
    text = "42" + f"{(mix(*parts) << 64) | mix(*parts, 0x42):032x}"[2:]
    return f"{text[0:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def vmware_serial(uuid: str) -> str:
    """The guest BIOS serial VMware derives from ``uuid.bios``: ``VMware-42 02 30 81 ...-27 30 ...``."""
    hexes = uuid.replace("-", "").lower()
    pairs = [hexes[k : k + 2] for k in range(0, 32, 2)]
    return "VMware-" + " ".join(pairs[:8]) + "-" + " ".join(pairs[8:])


def apple_udid(*parts: int) -> str:
    """An Apple UDID in the post-2018 ``00008110-000A4D2E0C90801E`` form."""
    value = f"{mix(*parts):016X}"
    return f"0000{8000 + mix(*parts, 1) % 200:04d}-{value}"


def oobe_hostname(rng: Random) -> str:
    """A Windows out-of-box name such as ``DESKTOP-7K3J9QX`` (what a device had before renaming)."""
    return "DESKTOP-" + random_chars(rng, ALNUM, 7)
