"""Lexicon of units, currencies and quantity qualifiers, as news copy writes them.

Data only: the quantity extractor reads these tables. Canonical units are
plural English names ("years", "feet", "troops" style) except for the
abbreviations analysts use anyway (kg, km, m, USD).
"""
from __future__ import annotations

# surface (lower case) -> (canonical unit, kind). Singular forms serve hyphen compounds ("20-year").
_TIME = {
    ("second", "seconds", "sec", "secs"): "seconds",
    ("minute", "minutes", "min", "mins"): "minutes",
    ("hour", "hours", "hr", "hrs"): "hours",
    ("day", "days"): "days",
    ("week", "weeks"): "weeks",
    ("month", "months"): "months",
    ("year", "years", "yr", "yrs"): "years",
    ("decade", "decades"): "decades",
    ("century", "centuries"): "centuries",
}
_MEASURES = {
    "length": {
        ("ft", "foot", "feet"): "feet", ("inch", "inches", "in."): "inches",
        ("yard", "yards", "yd", "yds"): "yards", ("mile", "miles", "mi"): "miles",
        ("km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"): "km",
        ("metre", "metres", "meter", "meters"): "m", ("cm", "centimetre", "centimetres",
                                                      "centimeter", "centimeters"): "cm",
        ("mm", "millimetre", "millimetres", "millimeter", "millimeters"): "mm",
    },
    "mass": {
        ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"): "kg",
        ("g", "gram", "grams", "gramme", "grammes"): "g",
        ("tonne", "tonnes", "ton", "tons", "t"): "tonnes", ("lb", "lbs"): "lb",
        ("ounce", "ounces", "oz"): "ounces",
    },
    "volume": {
        ("litre", "litres", "liter", "liters", "l"): "litres", ("gallon", "gallons"): "gallons",
        ("barrel", "barrels", "bbl"): "barrels", ("bcm",): "bcm",
    },
    "area": {("acre", "acres"): "acres", ("hectare", "hectares", "ha"): "hectares"},
    "speed": {("mph",): "mph", ("kph", "km/h"): "km/h", ("knot", "knots"): "knots"},
    "power": {("mw", "megawatt", "megawatts"): "MW", ("gw", "gigawatt", "gigawatts"): "GW",
              ("kw", "kilowatt", "kilowatts"): "kW", ("kwh",): "kWh", ("mwh",): "MWh"},
    "temperature": {("degree", "degrees"): "degrees"},
}
MULTIWORD_UNITS = {
    ("nautical", "miles"): ("nautical miles", "length"), ("nautical", "mile"): ("nautical miles", "length"),
    ("square", "kilometres"): ("km2", "area"), ("square", "kilometers"): ("km2", "area"),
    ("square", "kilometre"): ("km2", "area"), ("square", "kilometer"): ("km2", "area"),
    ("sq", "km"): ("km2", "area"), ("square", "miles"): ("sq miles", "area"),
    ("square", "mile"): ("sq miles", "area"), ("metric", "tons"): ("tonnes", "mass"),
    ("metric", "tonnes"): ("tonnes", "mass"), ("barrels", "per", "day"): ("barrels per day", "volume"),
    ("barrels", "a", "day"): ("barrels per day", "volume"),
    ("percentage", "points"): ("percentage points", "percent"),
    ("percentage", "point"): ("percentage points", "percent"),
    ("per", "cent"): ("percent", "percent"),
    ("pounds", "sterling"): ("GBP", "currency"), ("us", "dollars"): ("USD", "currency"),
    ("u.s.", "dollars"): ("USD", "currency"), ("american", "dollars"): ("USD", "currency"),
    ("iranian", "rials"): ("IRR", "currency"), ("russian", "rubles"): ("RUB", "currency"),
}


def _flatten() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for forms, unit in _TIME.items():
        table.update({form: (unit, "duration") for form in forms})
    for kind, entries in _MEASURES.items():
        for forms, unit in entries.items():
            table.update({form: (unit, kind) for form in forms})
    table.update({"percent": ("percent", "percent"), "pct": ("percent", "percent")})
    return table


UNIT_WORDS = _flatten()

CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP",
    "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "rial": "IRR", "rials": "IRR",
    "toman": "IRT", "tomans": "IRT", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY",
    "hryvnia": "UAH", "hryvnias": "UAH", "hryvnia's": "UAH", "rupee": "INR", "rupees": "INR",
    "shekel": "ILS", "shekels": "ILS", "lira": "TRY", "liras": "TRY", "francs": "CHF",
}
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₹": "INR",
                    "₴": "UAH", "﷼": "IRR"}
# Letters written against a dollar sign: "US$", "A$", "HK$".
DOLLAR_PREFIXES = {"us": "USD", "u.s.": "USD", "a": "AUD", "c": "CAD", "hk": "HKD", "nz": "NZD",
                   "s": "SGD"}
CURRENCY_CODES = frozenset({"USD", "EUR", "GBP", "RUB", "IRR", "CNY", "JPY", "UAH", "INR", "CHF"})

# Words before a figure that bound it, longest first when matched.
QUALIFIERS_BEFORE = {
    "approx": ["some", "about", "around", "roughly", "approximately", "an estimated", "estimated",
               "estimated at", "circa", "ca", "in the region of", "on the order of",
               "in the order of", "of the order of", "an approximate", "give or take",
               "somewhere around", "round about", "~"],
    "at_least": ["more than", "over", "at least", "upwards of", "upward of", "in excess of",
                 "above", "no fewer than", "no less than", "not less than", "a minimum of",
                 "north of", "greater than", "exceeding", "excess of", "as few as", ">", "no lower than"],
    "at_most": ["up to", "nearly", "almost", "practically", "virtually", "close to", "fewer than",
                "less than", "under", "below", "no more than", "not more than", "at most",
                "a maximum of", "as many as", "as much as", "shy of", "as high as", "not quite",
                "short of", "just short of", "<", "up to some"],
}
QUALIFIERS_AFTER = {
    "approx": [("or", "so"), ("odd",)],
    "at_least": [("or", "more"), ("and", "more"), ("plus",), ("and", "counting"), ("at", "least")],
    "at_most": [("or", "fewer"), ("or", "less"), ("at", "most")],
}
# Intensifiers that may stand before a qualifier without changing it: "well over", "just under".
INTENSIFIERS = frozenset({"just", "well", "only", "slightly", "far", "still", "already", "a", "little"})

VAGUE_PHRASES = [
    ("hundreds", "of", "thousands", "of"), ("tens", "of", "thousands", "of"),
    ("tens", "of", "millions", "of"), ("hundreds", "of", "millions", "of"),
    ("a", "few", "hundred"), ("a", "few", "thousand"), ("a", "few", "million"), ("a", "few", "dozen"),
    ("several", "hundred"), ("several", "thousand"), ("several", "million"), ("several", "billion"),
    ("several", "dozen"), ("a", "couple", "of"), ("a", "handful", "of"), ("dozens", "of"),
    ("hundreds", "of"), ("thousands", "of"), ("millions", "of"), ("billions", "of"), ("scores", "of"),
    ("a", "few"), ("several",), ("a", "couple"),
]
VAGUE_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "dozen", "dozens",
                               "hundreds", "thousands", "millions", "billions", "tens", "scores"})

MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
})
# Words before a figure that make it a label, not an amount: "Article 5", "Resolution 2231".
LABEL_WORDS = frozenset({
    "no", "number", "article", "resolution", "chapter", "section", "page", "route", "flight",
    "room", "gate", "paragraph", "clause", "item", "version", "phase", "stage", "grade", "size",
    "model", "platform", "seat", "channel", "apollo", "covid", "level", "category", "type", "tier",
    "week", "day", "round", "group", "game", "episode", "season", "part", "figure", "table", "act",
})
# Label words that name a number even in lower case: "number 10", "page 3".
ALWAYS_LABEL_WORDS = frozenset({"no", "number", "article", "resolution", "chapter", "section",
                                "page", "paragraph", "clause", "version", "flight", "route"})
# Words before a small count that make it refer to a known set: "the two leaders".
DEFINITE_WORDS = frozenset({"the", "these", "those", "our", "their", "its", "his", "her", "my",
                            "your", "both", "all", "between"})
YEAR_PREPOSITIONS = frozenset({"in", "since", "until", "till", "by", "from", "of", "during",
                               "before", "after", "through", "circa", "early", "late", "mid"})
# After a span of time these turn it into a point in time: "40 years ago", "two days later".
TIME_REFERENCE_AFTER = frozenset({"ago", "later", "earlier", "before", "after", "hence", "since"})
CHANGE_LEMMAS = frozenset({
    "rise", "increase", "grow", "climb", "jump", "fall", "drop", "decline", "decrease", "cut",
    "reduce", "raise", "boost", "swell", "surge", "soar", "shrink", "slip", "slide", "plunge",
    "double", "triple", "revise", "up", "down", "go", "balloon", "expand", "lower", "lift",
})
# Plural nouns naming units of something: "groups of up to 1,000 troops" gives each group's size.
COLLECTIVE_NOUNS = frozenset({
    "group", "unit", "battalion", "brigade", "division", "regiment", "company", "squad", "team",
    "platoon", "contingent", "detachment", "formation", "battlegroup", "convoy", "column",
    "family", "household", "batch", "shipment", "package", "tranche", "installment", "instalment",
    "wave", "corps", "cell", "crew", "vessel", "ship", "train", "flight", "bus",
})
# Per-thing words that make a figure a rate: "$90 a barrel", "1,000 troops per battalion".
RATE_NOUNS = frozenset({"day", "week", "month", "year", "hour", "barrel", "head", "person",
                        "tonne", "ton", "unit", "piece", "capita", "household", "minute", "kilogram"})
FRACTION_WORDS = frozenset({"half", "halves", "third", "thirds", "quarter", "quarters", "fifth",
                            "fifths", "tenth", "tenths"})
