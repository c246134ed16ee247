"""What a figure counts, as one class for every way news writes it.

"100,000 troops", "100,000 soldiers", "100,000 Russian forces" and "100,000
personnel" all count the class "troop"; "3,800 kilograms" measures "kg". The
tracker compares a slot's `counts:` with a figure's frame through this one
function, so a thread names what it counts once and never lists synonyms.
No spaCy here: thread files are read without the model.
"""
from __future__ import annotations

import functools

from storywatch.language import units as U

# The counted things news writes in many words; each maps to one class lemma.
COUNTED_SYNONYMS = {
    "soldier": "troop", "force": "troop", "personnel": "troop", "serviceman": "troop",
    "servicemember": "troop", "service member": "troop", "military personnel": "troop",
    "combat troop": "troop", "ground troop": "troop", "ground force": "troop",
    "people": "person", "individual": "person", "fatality": "death",
}
IRREGULAR_PLURALS = {"men": "man", "women": "woman", "children": "child", "people": "people",
                     "servicemen": "serviceman", "personnel": "personnel", "police": "police",
                     "staff": "staff", "feet": "foot", "geese": "goose", "mice": "mouse"}


def singular(word: str) -> str:
    """A plural noun's singular, by the regular rules and a few irregular forms."""
    word = word.lower()
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def counted_class(noun: str | None) -> str | None:
    """The class a counted noun (phrase) belongs to: "soldiers" and "Russian forces" -> "troop"."""
    if not noun:
        return None
    words = [w for w in noun.lower().replace("-", " ").split() if w]
    if not words:
        return None
    currency = U.CURRENCY_WORDS.get(words[-1])
    if currency is not None:
        return currency
    if len(words) == 1 and noun.strip().upper() in U.CURRENCY_CODES:
        return noun.strip().upper()
    canonical = (U.UNIT_WORDS.get(" ".join(words)) or U.MULTIWORD_UNITS.get(tuple(words[-2:]))
                 or U.UNIT_WORDS.get(words[-1]))
    if canonical is not None:
        return canonical[0]
    two = " ".join([*words[-2:-1], singular(words[-1])])
    if two in COUNTED_SYNONYMS:
        return COUNTED_SYNONYMS[two]
    last = singular(words[-1])
    return COUNTED_SYNONYMS.get(last, last)


# English verbs whose past forms are not built by rule, as news uses them.
IRREGULAR_VERBS = {
    "begin": ("began", "begun"), "break": ("broke", "broken"), "strike": ("struck",),
    "hold": ("held",), "take": ("took", "taken"), "withdraw": ("withdrew", "withdrawn"),
    "rise": ("rose", "risen"), "fall": ("fell", "fallen"), "bring": ("brought",),
    "seek": ("sought",), "lead": ("led",), "meet": ("met",), "come": ("came",),
    "go": ("went", "gone"), "give": ("gave", "given"), "win": ("won",), "lose": ("lost",),
    "send": ("sent",), "leave": ("left",), "find": ("found",), "keep": ("kept",),
    "get": ("got", "gotten"), "make": ("made",), "see": ("saw", "seen"), "fight": ("fought",),
    "drive": ("drove", "driven"), "run": ("ran",), "show": ("shown",), "grow": ("grew", "grown"),
    "draw": ("drew", "drawn"), "freeze": ("froze", "frozen"), "shake": ("shook", "shaken"),
    "sell": ("sold",), "buy": ("bought",), "speak": ("spoke", "spoken"), "stand": ("stood",),
    "write": ("wrote", "written"), "undertake": ("undertook", "undertaken"),
    "overtake": ("overtook", "overtaken"), "shut": ("shut",), "set": ("set",), "put": ("put",),
    "cut": ("cut",), "quit": ("quit",), "split": ("split",), "spread": ("spread",),
}


@functools.lru_cache(maxsize=4096)
def inflections(word: str) -> frozenset[str]:
    """The forms a verb or noun takes in news copy: resume -> resumes, resumed, resuming."""
    word = word.lower()
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    forms.update(IRREGULAR_VERBS.get(word, ()))
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word[:-1] + "ed"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if (len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou"
            and word[-3] not in "aeiou"):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    base = singular(word)
    if base != word:
        forms |= inflections(base) if len(base) >= 3 else {base}
    return frozenset(forms)


# Units of measure a slot may be written in, and their factors to another: a slot that counts kg
# takes "3.2 tonnes" as 3,200. Units two or more orders of magnitude apart are left out: news
# gives a shaft's depth in metres and its width in centimetres.
MEASURE_FACTORS = {
    ("tonnes", "kg"): 1000.0, ("g", "kg"): 0.001, ("lb", "kg"): 0.45359237,
    ("ounces", "kg"): 0.028349523125, ("kg", "tonnes"): 0.001,
    ("km", "m"): 1000.0, ("m", "km"): 0.001, ("miles", "km"): 1.609344,
    ("km", "miles"): 0.621371192, ("feet", "m"): 0.3048, ("m", "feet"): 3.280839895,
    ("weeks", "days"): 7.0, ("days", "hours"): 24.0, ("hours", "minutes"): 60.0,
}


def measure_factor(unit: str, target: str) -> float | None:
    """The factor that turns an amount in `unit` into `target` units, if one is known."""
    if unit == target:
        return 1.0
    return MEASURE_FACTORS.get((unit, target))
