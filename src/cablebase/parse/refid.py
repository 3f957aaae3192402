"""Reference IDs and the posts that send cables.

A Cablegate reference ID is ``YY`` + post + serial: ``07MEXICO983``, ``09STATE12345``.
In a telegram the same ID is written as the post and a zero-padded serial on the
classification line (``MEXICO 000983``) with the year taken from the date-time group.

The post tables below are hand-written from the State Department's public list of posts;
they give the display name WikiLeaks used for each sending station ("Embassy Buenos Aires",
"Consulate Sao Paulo", "Secretary of State").
"""

from __future__ import annotations

import re

REF_ID_RE = re.compile(r"^(\d{2,4})([A-Z][A-Z-]*?[A-Z])(\d{1,9})$")

# Posts written as one word in a reference ID but as several in FM lines and origin names.
MULTIWORD = {
    "ABUDHABI": "Abu Dhabi",
    "ADDISABABA": "Addis Ababa",
    "BANDARSERIBEGAWAN": "Bandar Seri Begawan",
    "BUENOSAIRES": "Buenos Aires",
    "CAPETOWN": "Cape Town",
    "CHIANGMAI": "Chiang Mai",
    "CIUDADJUAREZ": "Ciudad Juarez",
    "DARESSALAAM": "Dar Es Salaam",
    "ELSALVADOR": "El Salvador",
    "GUATEMALACITY": "Guatemala City",
    "HOCHIMINHCITY": "Ho Chi Minh City",
    "HONGKONG": "Hong Kong",
    "KUALALUMPUR": "Kuala Lumpur",
    "KUWAITCITY": "Kuwait City",
    "LAPAZ": "La Paz",
    "MEXICOCITY": "Mexico City",
    "NEWDELHI": "New Delhi",
    "NUEVOLAREDO": "Nuevo Laredo",
    "OSAKAKOBE": "Osaka Kobe",
    "PANAMACITY": "Panama City",
    "PHNOMPENH": "Phnom Penh",
    "PONTADELGADA": "Ponta Delgada",
    "PORTAUPRINCE": "Port Au Prince",
    "PORTLOUIS": "Port Louis",
    "PORTMORESBY": "Port Moresby",
    "PORTOFSPAIN": "Port Of Spain",
    "RIODEJANEIRO": "Rio De Janeiro",
    "SANJOSE": "San Jose",
    "SANSALVADOR": "San Salvador",
    "SANTODOMINGO": "Santo Domingo",
    "SAOPAULO": "Sao Paulo",
    "STPETERSBURG": "St Petersburg",
    "TELAVIV": "Tel Aviv",
    "THEHAGUE": "The Hague",
    "SRIJAYAWARDENEPURA": "Sri Jayawardenepura",
}

# Consulates (and consulates general): the origin is "Consulate <City>".
CONSULATES = frozenset(
    """
    ADANA ALEXANDRIA AMSTERDAM AUCKLAND BARCELONA BELFAST BORDEAUX BUSAN CALCUTTA CALGARY
    CAPETOWN CASABLANCA CHENGDU CHENNAI CHIANGMAI CIUDADJUAREZ CURACAO DHAHRAN DUBAI DURBAN
    DUSSELDORF EDINBURGH FLORENCE FRANKFURT FUKUOKA GUADALAJARA GUANGZHOU GUAYAQUIL HALIFAX
    HAMBURG HAMILTON HERMOSILLO HOCHIMINHCITY HONGKONG HYDERABAD ISTANBUL JEDDAH JERUSALEM
    JOHANNESBURG KARACHI KOLKATA KRAKOW LAGOS LAHORE LEIPZIG LYON MARSEILLE MATAMOROS
    MELBOURNE MERIDA MILAN MONTERREY MONTREAL MUMBAI MUNICH NAGOYA NAHA NAPLES NOGALES
    NUEVOLAREDO OSAKAKOBE PERTH PESHAWAR PONTADELGADA QUEBEC RECIFE RIODEJANEIRO SAOPAULO
    SAPPORO SHANGHAI SHENYANG STPETERSBURG STRASBOURG SURABAYA SYDNEY TIJUANA TORONTO
    VANCOUVER VLADIVOSTOK WINNIPEG WUHAN YEKATERINBURG
    """.split()
)

# Stations that are neither an embassy nor a consulate.
SPECIAL = {
    "STATE": "Secretary of State",
    "SECSTATE": "Secretary of State",
    "USUNNEWYORK": "USUN New York",
    "USNATO": "Mission USNATO",
    "UNVIEVIENNA": "UNVIE",
    "USEUBRUSSELS": "USEU Brussels",
    "USOSCE": "Mission USOSCE",
    "GENEVA": "US Mission Geneva",
    "HAVANA": "US Interests Section Havana",
    "AITTAIPEI": "American Institute Taiwan, Taipei",
    "TAIPEI": "American Institute Taiwan, Taipei",
    "IRANRPODUBAI": "Iran RPO Dubai",
    "RPODUBAI": "Iran RPO Dubai",
    "PARTO": "US Delegation, Secretary",
    "SECTO": "US Delegation, Secretary",
    "UNROME": "UN Rome",
    "USUNROME": "UN Rome",
    "BASRAH": "REO Basrah",
    "HILLAH": "REO Hillah",
    "KIRKUK": "REO Kirkuk",
    "MOSUL": "REO Mosul",
    "USCINCPAC": "CINCPAC",
    "KIEV": "Embassy Kyiv",
    "CALCUTTA": "Consulate Kolkata",
}

# FM-line station prefixes and the origin name they give (the city follows).
FM_PREFIX = (
    ("AMEMBASSY ", "Embassy "),
    ("AMCONSUL ", "Consulate "),
    ("AMCONGEN ", "Consulate "),
    ("USINT ", "US Interests Section "),
    ("USEU ", "USEU "),
    ("REO ", "REO "),
    ("AIT ", "American Institute Taiwan, "),
)
FM_WHOLE = {
    "SECSTATE WASHDC": "Secretary of State",
    "SECSTATE": "Secretary of State",
    "USMISSION USNATO": "Mission USNATO",
    "USMISSION UNVIE VIENNA": "UNVIE",
    "USMISSION USUN NEW YORK": "USUN New York",
    "USMISSION GENEVA": "US Mission Geneva",
    "USMISSION USOSCE": "Mission USOSCE",
    "USMISSION UN ROME": "UN Rome",
    "IRAN RPO DUBAI": "Iran RPO Dubai",
    "RPO DUBAI": "Iran RPO Dubai",
    "USDEL SECRETARY": "US Delegation, Secretary",
}


def post_display(post: str) -> str:
    """``BUENOSAIRES`` → ``Buenos Aires``; ``TEHRAN`` → ``Tehran``."""
    return MULTIWORD.get(post) or post.title()


def origin_for_post(post: str) -> str | None:
    """The WikiLeaks origin name of a reference-ID post (``SAOPAULO`` → ``Consulate Sao Paulo``)."""
    if not post:
        return None
    post = post.upper()
    if post in SPECIAL:
        return SPECIAL[post]
    if post in CONSULATES:
        return "Consulate " + post_display(post)
    return "Embassy " + post_display(post)


_FM_CLEAN = re.compile(r"\s*(//.*|\s+(IMMEDIATE|PRIORITY|ROUTINE|FLASH|NIACT)\b.*|\s+\d+\s*)$")


def origin_from_fm(fm: str) -> str | None:
    """The origin name from a telegram's FM line (``AMEMBASSY BUENOS AIRES`` → ``Embassy Buenos Aires``)."""
    s = " ".join(fm.upper().split())
    s = _FM_CLEAN.sub("", s)
    if s in FM_WHOLE:
        return FM_WHOLE[s]
    for prefix, name in FM_PREFIX:
        if s.startswith(prefix):
            city = s[len(prefix):].strip()
            key = city.replace(" ", "")
            if prefix == "AMEMBASSY " and key in SPECIAL and SPECIAL[key].startswith("Embassy"):
                return SPECIAL[key]
            if prefix in ("AMCONSUL ", "AMCONGEN ") and key in SPECIAL and SPECIAL[key].startswith("Consulate"):
                return SPECIAL[key]
            return name + city.title()
    if s.startswith("USMISSION "):
        return "US Mission " + s[len("USMISSION "):].title()
    return None


def canonical(year: int | str, post: str, serial: int | str) -> str:
    """``canonical(2007, 'MEXICO', '000983')`` → ``07MEXICO983``."""
    y = int(year) % 100
    return f"{y:02d}{post.upper().replace(' ', '')}{int(serial)}"


def split_ref_id(ref_id: str) -> tuple[int, str, int] | None:
    """``07MEXICO983`` → ``(2007, 'MEXICO', 983)``; None when it is not of that shape."""
    m = REF_ID_RE.match(ref_id.upper())
    if not m:
        return None
    return (full_year(int(m.group(1)) % 100), m.group(2), int(m.group(3)))


def full_year(yy: int) -> int:
    """Two-digit year of a cable to four digits: 66–99 → 1966–1999, 00–65 → 2000–2065
    (Cablegate spans 1966–2010; the one pivot serves DTG lines and reference IDs alike)."""
    return 1900 + yy if yy >= 66 else 2000 + yy


_FM_POST_SPECIAL = {
    "SECSTATE": "STATE",
    "USMISSION USUN NEW YORK": "USUNNEWYORK",
    "USMISSION UNVIE VIENNA": "UNVIEVIENNA",
    "USMISSION USNATO": "USNATO",
    "USMISSION USOSCE": "USOSCE",
    "USMISSION GENEVA": "GENEVA",
    "USEU BRUSSELS": "BRUSSELS",
    "RPO DUBAI": "RPODUBAI",
    "IRAN RPO DUBAI": "RPODUBAI",
    "AIT TAIPEI": "TAIPEI",
    "USINT HAVANA": "HAVANA",
}


def post_from_fm(fm: str) -> str | None:
    """The reference-ID post of a FM line (``AMEMBASSY LA PAZ`` → ``LAPAZ``, ``SECSTATE WASHDC`` → ``STATE``)."""
    s = " ".join(fm.upper().split())
    s = _FM_CLEAN.sub("", s)
    s = re.sub(r"\s+WASHDC$", "", s)
    if s in _FM_POST_SPECIAL:
        return _FM_POST_SPECIAL[s]
    m = re.match(r"^(?:AMEMBASSY|AMCONSUL|AMCONGEN|REO)\s+([A-Z ]+)$", s)
    if m:
        return m.group(1).replace(" ", "")
    return None


# --- Every name of a cable -------------------------------------------------------------------

CFPF_RE = re.compile(r"^(19[4-9]\d|20[0-2]\d)([A-Z][A-Z-]*?[A-Z])(\d{1,7})(?:_[A-Za-z0-9]{1,4})?$")
"""A Central Foreign Policy Files / PlusD ID: ``1974ATHENS02959`` (PlusD adds ``_b``, ``_a``)."""
CFPF_YEARS = range(1973, 1980)
"""Years of the declassified Central Foreign Policy Files (NARA AAD, WikiLeaks PlusD)."""

_MALFORMED = re.compile(
    r"^(?P<yy>\d{2})(?P=yy)?"                                   # 7575LIBREVILLE1895: year doubled
    r"(?:EFTO|NOFORN|SBU|SENSITIVE|"                             # 09EFTOLONDON2187: a caveat in the ID
    r"[SECTIONK]{4,8}\d{1,2}(?:OF|O|F|0F)\d{1,2})?"              # 09SECTION01OF03SANJOSE525 (and misspellings)
    r"(?P<post>[A-Z]+?)0*(?P<serial>[1-9]\d{0,6})"
    r"(?:Z[A-Z]{1,3}\d+)?$"                                      # 06MADRID002583ZFR2585: a stray suffix
)


def short_form(ref_id: str) -> str | None:
    """The cablegate form of a CFPF ID: ``1974ATHENS02959`` → ``74ATHENS2959`` (None if not one)."""
    m = CFPF_RE.match(ref_id.strip().upper() if not ref_id.endswith(("_a", "_b", "_c", "_d", "_e")) else ref_id.strip())
    if not m:
        return None
    return canonical(int(m.group(1)), m.group(2), m.group(3))


def cfpf_form(ref_id: str) -> str | None:
    """The CFPF form of a 1973–79 cable's ID: ``74ATHENS2959`` → ``1974ATHENS02959``,
    ``75STATE46226`` → ``1975STATE046226`` (serials padded to 5 digits, 6 for STATE)."""
    sp = split_ref_id(ref_id)
    if not sp or sp[0] not in CFPF_YEARS:
        return None
    year, post, serial = sp
    width = 6 if post == "STATE" else 5
    return f"{year}{post}{serial:0{width}d}"


def clean_alias(ref_id: str, known_posts: frozenset[str] | set[str] | None = None) -> str | None:
    """The clean ID a journalist would type for one of WikiLeaks' malformed IDs, else None.

    ``09EFTOLONDON2187`` → ``09LONDON2187``; ``09SECTION01OF03SANJOSE525`` → ``09SANJOSE525``;
    ``7575LIBREVILLE1895`` → ``75LIBREVILLE1895``. With ``known_posts`` (the posts of the
    official list), a post cut at its start (``07SECTION02OF03EIJING483``) is completed when
    exactly one known post ends with it, and an alias whose post is unknown is not given.
    """
    s = ref_id.strip().upper()
    m = _MALFORMED.match(s)
    if not m:
        return None
    post = m.group("post")
    if known_posts is not None and post not in known_posts:
        fits = [p for p in known_posts if p.endswith(post) and len(p) - len(post) <= 2]
        if len(fits) != 1:
            return None
        post = fits[0]
    alias = f"{m.group('yy')}{post}{int(m.group('serial'))}"
    return alias if alias != s else None


_PLAIN = re.compile(r"^(\d{2})([A-Z]+)[1-9]\d*$")


def names(ref_id: str) -> list[str]:
    """Every name of a cable, its own first: the ID, its clean alias, its CFPF or cablegate form."""
    s = ref_id.strip()
    m = _PLAIN.match(s)
    if m and not 73 <= int(m.group(1)) <= 79 and not any(k in m.group(2) for k in ("EFTO", "NOFORN", "SBU", "SENSITIVE")):
        return [s]  # the common case, a clean cablegate ID outside the CFPF years: one name
    out = [s]
    short = short_form(s)
    if short:
        out.append(short)
    alias = clean_alias(short or s)
    if alias:
        out.append(alias)
    for n in list(out):
        cf = cfpf_form(n)
        if cf:
            out.append(cf)
    return list(dict.fromkeys(out))
