"""Feed dates feedparser cannot read: RFC 822 dates with non-English day and month names.

Real feeds localise them ("Seg, 24 Set 2018 19:42:40 -0300" in a Brazilian
feed); translating the month and dropping the day name leaves a date the
standard library parses.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from email.utils import parsedate_to_datetime

# Month abbreviations and names in Portuguese, Spanish, French, German and Italian.
_MONTHS = {
    "jan": "Jan", "janv": "Jan", "janvier": "Jan", "janeiro": "Jan", "januar": "Jan",
    "ene": "Jan", "enero": "Jan", "gen": "Jan", "gennaio": "Jan",
    "fev": "Feb", "fév": "Feb", "févr": "Feb", "fevereiro": "Feb", "février": "Feb",
    "febrero": "Feb", "februar": "Feb", "febbraio": "Feb",
    "mar": "Mar", "mars": "Mar", "março": "Mar", "marzo": "Mar", "mär": "Mar", "mrz": "Mar",
    "märz": "Mar",
    "abr": "Apr", "abril": "Apr", "avr": "Apr", "avril": "Apr", "aprile": "Apr",
    "mai": "May", "maio": "May", "mayo": "May", "mag": "May", "maggio": "May",
    "jun": "Jun", "junho": "Jun", "junio": "Jun", "juin": "Jun", "juni": "Jun", "giu": "Jun",
    "giugno": "Jun",
    "jul": "Jul", "julho": "Jul", "julio": "Jul", "juil": "Jul", "juillet": "Jul", "juli": "Jul",
    "lug": "Jul", "luglio": "Jul",
    "ago": "Aug", "agosto": "Aug", "août": "Aug", "aout": "Aug",
    "set": "Sep", "setembro": "Sep", "sept": "Sep", "septiembre": "Sep", "septembre": "Sep",
    "settembre": "Sep",
    "out": "Oct", "outubro": "Oct", "octubre": "Oct", "octobre": "Oct", "okt": "Oct",
    "oktober": "Oct", "ott": "Oct", "ottobre": "Oct",
    "novembro": "Nov", "noviembre": "Nov", "novembre": "Nov",
    "dez": "Dec", "dezembro": "Dec", "dic": "Dec", "diciembre": "Dec", "déc": "Dec",
    "décembre": "Dec", "dezember": "Dec", "dicembre": "Dec",
}
_DAY_PREFIX = re.compile(r"^\s*[^\W\d_]+\.?,\s*")
_WORD = re.compile(r"[^\W\d_]+\.?")


def parse_feed_date(text: str | None) -> dt.datetime | None:
    """An aware UTC datetime for an RFC 822-style date in English or a Romance/German locale."""
    if not text:
        return None
    cleaned = _DAY_PREFIX.sub("", text.strip())
    cleaned = _WORD.sub(lambda m: _MONTHS.get(m.group(0).rstrip(".").lower(), m.group(0)), cleaned)
    try:
        parsed = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def from_struct_time(value: time.struct_time | None) -> dt.datetime | None:
    """An aware UTC datetime from feedparser's UTC struct_time (None stays None)."""
    if value is None:
        return None
    try:
        return dt.datetime(*value[:6], tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return None
