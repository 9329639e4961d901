"""Static vocabulary of the synthetic estate: vendors, models, people, places.

Raw manufacturer spellings differ per source on purpose, the way real sources disagree
("Dell Inc." in Intune, "Dell" in a procurement sheet). OUIs are registered to the named
vendor (or, for laptop Wi-Fi, to Intel, whose adapters most business laptops carry).
Every non-ASCII text here is encodable in cp1252, so file drops can be written in it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Vendor:
    """A manufacturer and how each source spells it."""

    key: str
    canonical: str
    intune: str
    device42: str | None
    miradore: str
    procurement: str
    variants: tuple[str, ...]  # rarer spellings, used by the ``manufacturer_variant`` trap
    serial_format: str
    wired_ouis: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Model:
    """A product: marketing name plus the hardware code some sources report instead."""

    name: str
    code: str
    os: str
    storage_gb: int = 0


_NO_OUI: tuple[str, ...] = ()

# fmt: off
VENDORS: dict[str, Vendor] = {
    v.key: v
    for v in (
        Vendor("dell", "Dell", "Dell Inc.", "Dell Inc.", "Dell Inc.", "Dell", ("DELL", "Dell Computer Corporation"),
               "dell", ("F8:BC:12", "18:DB:F2", "B0:83:FE", "D4:81:D7")),
        Vendor("hp", "HP", "HP", "Hewlett-Packard", "HP", "HP Inc.", ("Hewlett Packard", "HEWLETT-PACKARD"),
               "hp", ("3C:D9:2B", "9C:B6:54", "00:1B:78", "70:5A:0F")),
        Vendor("hpe", "HPE", "HPE", "HPE", "HPE", "Hewlett Packard Enterprise", ("HP", "Hewlett-Packard Enterprise"),
               "hpe", ("94:40:C9", "1C:98:EC")),
        Vendor("lenovo", "Lenovo", "LENOVO", "Lenovo", "LENOVO", "Lenovo", ("lenovo", "Lenovo Group Limited"),
               "lenovo", ("8C:16:45", "E8:6A:64", "54:E1:AD")),
        Vendor("apple", "Apple", "Apple", "Apple Inc.", "Apple", "Apple Inc.", ("Apple Inc", "APPLE"),
               "apple", ("F0:18:98", "A4:83:E7", "3C:22:FB", "AC:BC:32")),
        Vendor("samsung", "Samsung", "samsung", "Samsung", "Samsung", "Samsung Electronics",
               ("SAMSUNG", "Samsung Electronics Co., Ltd."), "samsung", ("5C:0A:5B", "8C:77:12", "F0:5A:09")),
        Vendor("cisco", "Cisco", "Cisco", "Cisco", "Cisco", "Cisco Systems", ("Cisco Systems, Inc.", "CISCO"),
               "cisco", ("00:00:0C", "00:1B:54", "00:25:45", "70:DB:98")),
        Vendor("vmware", "VMware", "VMware, Inc.", None, "VMware, Inc.", "VMware", ("VMware",), "vmware",
               ("00:50:56",)),
        Vendor("brother", "Brother", "Brother", "Brother", "Brother", "Brother Industries", ("BROTHER",),
               "brother", ("00:80:77", "30:05:5C")),
        Vendor("lg", "LG", "LG", "LG", "LG", "LG Electronics", ("LG Electronics Inc.",), "lg", _NO_OUI),
        Vendor("netapp", "NetApp", "NetApp", "NetApp", "NetApp", "NetApp, Inc.", ("NETAPP",), "netapp",
               ("00:A0:98", "D0:39:EA")),
        # White-box PCs: the firmware strings are the board maker's, often placeholders.
        Vendor("msi", "MSI", "Micro-Star International Co., Ltd.", "Micro-Star International Co., Ltd.",
               "Micro-Star International Co., Ltd.", "MSI", ("MSI",), "whitebox", ("D8:BB:C1", "00:D8:61")),
        Vendor("asus", "ASUS", "ASUSTeK COMPUTER INC.", "ASUSTeK COMPUTER INC.", "ASUSTeK COMPUTER INC.", "ASUS",
               ("System manufacturer",), "whitebox", ("04:D9:F5", "2C:FD:A1")),
        Vendor("asrock", "ASRock", "To Be Filled By O.E.M.", "To Be Filled By O.E.M.", "To Be Filled By O.E.M.",
               "ASRock", ("ASRock",), "whitebox", ("70:85:C2", "A8:A1:59")),
        Vendor("telia", "Telia", "Telia", "Telia", "Telia", "Telia Company", ("TELIA",), "iccid", _NO_OUI),
        Vendor("vodafone", "Vodafone", "Vodafone", "Vodafone", "Vodafone", "Vodafone Group", ("VODAFONE",),
               "iccid", _NO_OUI),
    )
}
# fmt: on

# Wi-Fi adapters of business laptops are Intel's; phones use their maker's own OUIs.
INTEL_WIFI_OUIS = ("8C:8D:28", "A4:C3:F0", "F8:94:C2", "7C:B2:7D", "3C:A9:F4")

# Junk MACs shared by many unrelated machines (VMware vmnet adapter, NCP VPN adapter).
SHARED_JUNK_MACS = (
    ("00:50:56:c0:00:01", "VMware Network Adapter VMnet1"),
    ("02:00:4e:43:50:49", "NCP Secure Client Virtual Adapter"),
)

# Serial placeholders written by OEM firmware on white-box boards.
JUNK_SERIALS = ("To be filled by O.E.M.", "Default string", "System Serial Number", "0", "00000000", "N/A")

# (vendor key, weight) per device kind.
VENDOR_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "laptop": (("dell", 40), ("hp", 25), ("lenovo", 25), ("apple", 10)),
    "desktop": (("dell", 45), ("hp", 30), ("lenovo", 25)),
    "whitebox": (("msi", 1), ("asus", 1), ("asrock", 1)),
    "phone": (("apple", 60), ("samsung", 40)),
    "tablet": (("apple", 70), ("samsung", 30)),
    "server": (("dell", 50), ("hpe", 50)),
    "vm": (("vmware", 1),),
    "network": (("cisco", 1),),
    "printer": (("hp", 60), ("brother", 40)),
    "display": (("dell", 50), ("lg", 25), ("samsung", 25)),
    "sim": (("telia", 1), ("vodafone", 1)),
    "storage": (("netapp", 60), ("dell", 40)),
}

_WIN = "Windows"
MODELS: dict[tuple[str, str], tuple[Model, ...]] = {
    ("laptop", "dell"): (
        Model("Latitude 5440", "Latitude 5440", _WIN, 512),
        Model("Latitude 7440", "Latitude 7440", _WIN, 512),
        Model("Precision 5570", "Precision 5570", _WIN, 1024),
    ),
    ("laptop", "hp"): (
        Model("EliteBook 840 G10", "HP EliteBook 840 14 inch G10 Notebook PC", _WIN, 512),
        Model("ProBook 450 G9", "HP ProBook 450 15.6 inch G9 Notebook PC", _WIN, 256),
    ),
    ("laptop", "lenovo"): (
        Model("ThinkPad T14 Gen 4", "21HD0051GE", _WIN, 512),
        Model("ThinkPad X1 Carbon Gen 11", "21HM004GMX", _WIN, 1024),
    ),
    ("laptop", "apple"): (
        Model("MacBook Air (M2, 2022)", "Mac14,2", "macOS", 256),
        Model("MacBook Pro (14-inch, 2023)", "Mac14,9", "macOS", 512),
    ),
    ("desktop", "dell"): (
        Model("OptiPlex 7010", "OptiPlex 7010", _WIN, 512),
        Model("OptiPlex 5000", "OptiPlex 5000", _WIN, 256),
    ),
    ("desktop", "hp"): (Model("EliteDesk 800 G6", "HP EliteDesk 800 G6 Small Form Factor PC", _WIN, 512),),
    ("desktop", "lenovo"): (Model("ThinkCentre M70q", "11DT003GMX", _WIN, 256),),
    ("desktop", "msi"): (Model("MS-7C56", "MS-7C56", _WIN, 1024),),
    ("desktop", "asus"): (Model("System Product Name", "System Product Name", _WIN, 1024),),
    ("desktop", "asrock"): (Model("B550M Pro4", "To Be Filled By O.E.M.", _WIN, 512),),
    ("phone", "apple"): (
        Model("iPhone 14", "iPhone14,7", "iOS", 128),
        Model("iPhone 15 Pro", "iPhone16,1", "iOS", 256),
        Model("iPhone SE (3rd generation)", "iPhone14,6", "iOS", 64),
    ),
    ("phone", "samsung"): (
        Model("Galaxy S23", "SM-S911B", "Android", 256),
        Model("Galaxy A54 5G", "SM-A546B", "Android", 128),
    ),
    ("tablet", "apple"): (
        Model("iPad (10th generation)", "iPad13,18", "iPadOS", 64),
        Model("iPad Air (5th generation)", "iPad13,16", "iPadOS", 256),
    ),
    ("tablet", "samsung"): (
        Model("Galaxy Tab S9", "SM-X710", "Android", 128),
        Model("Galaxy Tab A8", "SM-X200", "Android", 64),
    ),
    ("server", "dell"): (
        Model("PowerEdge R750", "PowerEdge R750", "Linux", 4000),
        Model("PowerEdge R650", "PowerEdge R650", "Windows Server", 2000),
    ),
    ("server", "hpe"): (
        Model("ProLiant DL360 Gen10", "ProLiant DL360 Gen10", "Windows Server", 2000),
        Model("ProLiant DL380 Gen10 Plus", "ProLiant DL380 Gen10 Plus", "Linux", 8000),
    ),
    ("vm", "vmware"): (
        Model("VMware Virtual Platform", "VMware7,1", "Windows Server", 100),
        Model("VMware Virtual Platform", "VMware7,1", "Linux", 80),
    ),
    ("network", "cisco"): (
        Model("Catalyst 9300-48P", "C9300-48P", "Cisco IOS XE"),
        Model("Catalyst 9200L-24P-4G", "C9200L-24P-4G", "Cisco IOS XE"),
        Model("ISR 4331", "ISR4331/K9", "Cisco IOS XE"),
        Model("Meraki MR46", "MR46-HW", "Meraki"),
    ),
    ("printer", "hp"): (Model("LaserJet Enterprise M611dn", "7PS84A", ""),),
    ("printer", "brother"): (
        Model("HL-L6400DW", "HL-L6400DW", ""),
        Model("MFC-L8900CDW", "MFC-L8900CDW", ""),
    ),
    ("display", "dell"): (Model("P2423D", "P2423D", ""),),
    ("display", "lg"): (Model("27UL850-W", "27UL850-W", ""),),
    ("display", "samsung"): (Model("S27R650", "LS27R650FDUXEN", ""),),
    ("sim", "telia"): (Model("Business SIM 5G", "NANO-5G", ""),),
    ("sim", "vodafone"): (Model("Business SIM 5G", "NANO-5G", ""),),
    ("storage", "netapp"): (Model("AFF A250", "AFF-A250", "ONTAP"), Model("FAS2820", "FAS2820", "ONTAP")),
    ("storage", "dell"): (Model("PowerVault ME5024", "ME5024", ""),),
}

# VDI desktops are Windows 11 VMs, whatever the server VM mix says.
VDI_MODEL = Model("VMware Virtual Platform", "VMware7,1", "Windows", 128)

# Type Allocation Codes per phone/tablet model (first 8 IMEI digits); several per model so
# fleets beyond 1,000,000 devices still get distinct IMEIs.
TACS: dict[str, tuple[str, ...]] = {
    "iPhone14,7": ("35407115", "35407215", "35407315"),
    "iPhone16,1": ("35875911", "35876011", "35876111"),
    "iPhone14,6": ("35391611", "35391711", "35391811"),
    "SM-S911B": ("35290611", "35290711", "35290811"),
    "SM-A546B": ("35221633", "35221733", "35221833"),
    "iPad13,18": ("35467089", "35467189", "35467289"),
    "iPad13,16": ("35399512", "35399612", "35399712"),
    "SM-X710": ("35611852", "35611952", "35612052"),
    "SM-X200": ("35208272", "35208372", "35208472"),
}

OS_VERSIONS: dict[str, tuple[str, ...]] = {
    "Windows": ("10.0.22631.3155", "10.0.22631.4037", "10.0.19045.4529", "10.0.26100.2605"),
    "macOS": ("14.5", "14.6.1", "15.1"),
    "iOS": ("17.5.1", "17.6.1", "18.1"),
    "iPadOS": ("17.5.1", "18.1"),
    "Android": ("13", "14"),
    "Windows Server": ("10.0.17763", "10.0.20348"),
    "Linux": ("9.3", "8.9"),
    "Cisco IOS XE": ("17.9.4", "17.12.2"),
    "Meraki": ("30.6",),
    "ONTAP": ("9.14.1",),
    "": ("",),
}

# Device42 renders the OS as a product name.
D42_OS_NAMES = {
    "Windows": "Microsoft Windows 11 Enterprise",
    "Windows Server": "Microsoft Windows Server 2022 Standard",
    "Linux": "Red Hat Enterprise Linux",
    "macOS": "macOS",
    "Cisco IOS XE": "Cisco IOS XE",
    "Meraki": "Meraki",
    "ONTAP": "NetApp ONTAP",
}

# People: (display form, ASCII form used in e-mail addresses).
FIRST_NAMES = (
    "Jane",
    "John",
    "Anna",
    "Jürgen",
    "Søren",
    "José",
    "Chloé",
    "Zoë",
    "Mikko",
    "Aino",
    "Liam",
    "Olivia",
    "Ahmed",
    "Fatima",
    "Wei",
    "Priya",
    "Lars",
    "Ingrid",
    "Noah",
    "Emma",
    "Lukas",
    "Élodie",
    "Mateo",
    "Sofia",
    "Oskar",
    "Maja",
    "Hannah",
    "Pierre",
    "Giulia",
    "Björn",
)
LAST_NAMES = (
    "Doe",
    "Smith",
    "Müller",
    "Virtanen",
    "Korhonen",
    "García",
    "Dubois",
    "Nieminen",
    "Schmidt",
    "Andersson",
    "Johansson",
    "Lefèvre",
    "Rossi",
    "Novak",
    "Kowalski",
    "Chen",
    "Patel",
    "Nguyen",
    "Hansen",
    "Jensen",
    "Weiß",
    "Fernández",
    "Lindqvist",
    "Mäkinen",
    "Brown",
    "Wilson",
    "Öztürk",
    "Costa",
    "Bianchi",
    "Laine",
)
MAIL_DOMAIN = "contoso.example"

# (name, currency, building code, public egress address shared by the whole office).
LOCATIONS = (
    ("Helsinki", "EUR", "HEL", "203.0.113.10"),
    ("Zürich", "CHF", "ZRH", "203.0.113.20"),
    ("Malmö", "SEK", "MMA", "203.0.113.30"),
    ("Paris La Défense", "EUR", "PAR", "198.51.100.40"),
    ("München", "EUR", "MUC", "198.51.100.50"),
    ("London", "GBP", "LON", "198.51.100.60"),
    ("New York", "USD", "NYC", "192.0.2.70"),
    ("São Paulo", "BRL", "SAO", "192.0.2.80"),
)

SUPPLIERS = (
    "Müller Bürotechnik GmbH",
    "Société Informatique Générale SA",
    "CDW",
    "Insight Enterprises",
    "Dustin AB",
    "Atea Oy",
    "Bechtle AG",
    "Softcat plc",
)

DEPARTMENTS = ("Finance", "IT", "Sales", "R&D", "Operations", "HR")

# Procurement "asset_type" labels; lowercased with spaces as underscores they are AssetType values.
ASSET_TYPE_LABELS = {
    "laptop": "Laptop",
    "desktop": "Desktop",
    "phone": "Mobile Phone",
    "tablet": "Tablet",
    "server": "Server",
    "vm": "Virtual Machine",
    "network": "Network Device",
    "printer": "Printer",
    "display": "Display",
    "sim": "SIM Card",
    "storage": "Storage",
}

# Purchase cost range (in the location's currency) and warranty years per kind.
COST_RANGES = {
    "laptop": (900, 2600),
    "desktop": (600, 1500),
    "phone": (300, 1300),
    "tablet": (350, 900),
    "server": (4000, 15000),
    "vm": (0, 0),
    "network": (500, 9000),
    "printer": (300, 3000),
    "display": (150, 600),
    "sim": (0, 10),
    "storage": (8000, 40000),
}
WARRANTY_YEARS = {
    "laptop": 3,
    "desktop": 3,
    "phone": 2,
    "tablet": 2,
    "server": 5,
    "vm": 0,
    "network": 5,
    "printer": 1,
    "display": 3,
    "sim": 0,
    "storage": 5,
}

# Host name prefixes; phones, tablets, displays and SIM cards have none of their own.
HOST_PREFIXES = {
    "laptop": "lt",
    "desktop": "ws",
    "server": "srv",
    "vm": "vm",
    "network": "sw",
    "printer": "prn",
    "storage": "nas",
    "tablet": "tb",
}

INCIDENT_CATEGORIES = ("Hardware", "Software", "Network", "Access", "Peripheral")
