"""Story threads as data: `seeds/threads.yml` read and checked (`tracking.sync` writes it).

A thread names the articles that concern it (match rules over words and
canonical entities) and the facts it tracks (slots: quantities, statuses,
texts). Everything the tracker knows about a thread comes from here, so a new
thread or slot is a YAML edit followed by `storywatch threads sync`.

Errors name the file and line: "threads.yml line 12: unknown key 'any_off' in
thread 'jcpoa-talks' (did you mean 'any_of'?)".
"""
from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storywatch.errors import StorywatchError
from storywatch.language.counted import counted_class
from storywatch.language.cues import tokenize_phrase
from storywatch.store.db import Connection

log = logging.getLogger(__name__)

SLOT_TYPES = ("quantity", "status", "text")
QUALIFIERS = ("approx", "at_least", "at_most", "range")
DEFAULTS = {
    "tolerance": 0.05,
    "conflict_window_hours": 48.0,
    "min_score": 0.5,
    "stale_after_days": 4.0,
}
# DESIGN.md fixes these slots and states for the two shipped threads: other tools read them.
REQUIRED_SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "jcpoa-talks": {
        "talks_status": ("ongoing", "stalled", "paused", "final_text", "agreed", "collapsed"),
        "enrichment_level": (),
        "stockpile": (),
    },
    "ukraine-buildup": {
        "troop_estimate": (),
        "withdrawal_claim": ("claimed", "disputed", "verified"),
        "invasion_status": ("threatened", "underway"),
    },
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ThreadsError(StorywatchError):
    """threads.yml (or a thread definition) is invalid; the message names the line."""


# --- the definitions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or canonical entity name with its weight in a match rule."""

    text: str
    words: tuple[str, ...]
    weight: float = 1.0
    is_entity: bool = False


@dataclass(frozen=True, slots=True)
class MatchRules:
    """Which articles concern a thread: every `all_of` group, any `any_of`, no `none_of`."""

    all_of: tuple[tuple[Term, ...], ...]
    any_of: tuple[Term, ...]
    none_of: tuple[Term, ...]
    min_score: float


@dataclass(frozen=True, slots=True)
class State:
    """A canonical state of a status slot and the phrases that signal it."""

    name: str
    phrases: tuple[Term, ...]
    priority: int = 0
    # What a negated or hypothetical mention means: "drop", "keep" or another state's name.
    negated: str = "drop"
    modal: str = "drop"
    supersedes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    """A fact a thread tracks, and how to recognise its values in articles."""

    name: str
    type: str
    description: str
    unit: str | None
    unit_label: str | None
    units: tuple[tuple[str, float], ...]
    context_any: tuple[Term, ...]
    near_any: tuple[Term, ...]
    owner_any: tuple[Term, ...]
    owner_none: tuple[Term, ...]
    exclude_before: tuple[Term, ...]
    exclude_after: tuple[Term, ...]
    states: tuple[State, ...]
    patterns: tuple[str, ...]
    tolerance: float
    conflict_window_hours: float
    stale_after_days: float
    # The slim form of a quantity slot: what the figure counts (its class, troops = soldiers),
    # and the parties whose figure it is; the figure's frame decides the rest.
    counts: str | None = None
    owners: tuple[str, ...] = ()
    # Further nouns the same figure is written with ("counts: [workers, members]").
    also_counts: tuple[str, ...] = ()
    # How a figure may be put to fill the slot: asserted, and `planned` for a slot that
    # tracks a plan ("7,000 fighters will gather in the zones").
    modalities: tuple[str, ...] = ("asserted",)
    # A running total that only grows ("miners brought out so far"): a higher figure soon
    # after from another source is progress, not a conflict.
    cumulative: bool = False
    # The states by name (derived): a replay asks `state` for every entry of a timeline.
    states_by_name: Mapping[str, State] = field(init=False, repr=False, compare=False)

    @property
    def counted(self) -> str | None:
        """The class of what the slot counts ("troop" for troops, soldiers, forces)."""
        return counted_class(self.counts)

    @property
    def counted_classes(self) -> frozenset[str]:
        """Every class the slot's figure may be written as."""
        return frozenset(c for c in map(counted_class, (self.counts, *self.also_counts)) if c)

    def __post_init__(self) -> None:
        object.__setattr__(self, "states_by_name", {s.name: s for s in self.states})

    def state(self, name: str) -> State | None:
        """The state called `name`, if the slot has it."""
        return self.states_by_name.get(name)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What to search for to find the thread's news (`discover:`): queries, and the seed's entities."""

    queries: tuple[str, ...] = ()
    seed_entities: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.queries) or self.seed_entities


@dataclass(frozen=True, slots=True)
class Thread:
    """A story thread: slug, description, match rules and slots."""

    slug: str
    title: str
    description: str
    match: MatchRules
    slots: tuple[Slot, ...]
    parties: tuple[tuple[str, tuple[Term, ...]], ...]
    active: bool = True
    definition: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    discover: Discovery = Discovery()

    @property
    def definition_sha256(self) -> str:
        """Hash of the normalised definition: it changes exactly when the thread does."""
        text = json.dumps(self.definition, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def slot(self, name: str) -> Slot | None:
        """The slot called `name`, if the thread has it."""
        return next((s for s in self.slots if s.name == name), None)


# --- reading YAML with line numbers --------------------------------------------------


@dataclass(slots=True)
class Node:
    """A YAML value with the line it starts on (None when it came from the database)."""

    value: Any
    line: int | None


class _Reader:
    """Collects every problem of a file, each with its line, instead of stopping at the first."""

    def __init__(self, where: str, *, warn: bool = True) -> None:
        self.where = where
        self.warn = warn  # False for stored definitions: the file's reader already warned
        self.errors: list[str] = []

    def error(self, node: Node | None, message: str) -> None:
        line = f" line {node.line}" if node is not None and node.line is not None else ""
        self.errors.append(f"{self.where}{line}: {message}")

    def mapping(self, node: Node, what: str, known: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, Node]:
        if not isinstance(node.value, dict):
            self.error(node, f"{what} must be a mapping of keys to values, "
                             f"not {_kind(node.value)}")
            return {}
        items: dict[str, Node] = node.value
        for key, value in items.items():
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else \
                    f" (known keys: {', '.join(known)})"
                self.error(value if value.line is not None else node,
                           f"unknown key '{key}' in {what}{hint}")
        for key in required:
            if key not in items:
                self.error(node, f"{what} lacks the required key '{key}'")
        return items

    def sequence(self, node: Node, what: str) -> list[Node]:
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            self.error(node, f"{what} must be a list, not {_kind(node.value)}")
            return []
        items: list[Node] = node.value
        return items

    def text(self, node: Node | None, what: str, *, default: str | None = None) -> str | None:
        if node is None:
            return default
        if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
            self.error(node, f"{what} must be text, not {_kind(node.value)}")
            return default
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{what} is empty")
            return default
        return value

    def number(self, node: Node | None, what: str, default: float, *,
               low: float = 0.0, high: float = float("inf")) -> float:
        if node is None:
            return default
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            self.error(node, f"{what} must be a number, not {_kind(node.value)}")
            return default
        value = float(node.value)
        if not low <= value <= high:
            self.error(node, f"{what} must be between {low:g} and {high:g}, not {value:g}")
            return default
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the text {str(value)!r}"


def compose_yaml(text: str, where: str) -> Node:
    """Parse YAML text into Nodes that remember their line numbers."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ThreadsError(f"{where}{line}: not valid YAML: {problem}") from exc
    if root is None:
        raise ThreadsError(f"{where}: the file is empty; it needs a 'threads:' list")
    loader = yaml.SafeLoader("")
    errors: list[str] = []
    node = _to_node(root, loader, where, errors)
    if errors:
        raise ThreadsError("\n".join(errors))
    return node


def _to_node(node: yaml.Node, loader: yaml.SafeLoader, where: str, errors: list[str]) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_text = str(key)
            if key_text in items:
                errors.append(f"{where} line {key_node.start_mark.line + 1}: "
                              f"duplicate key '{key_text}'")
            child = _to_node(value_node, loader, where, errors)
            # The error line of a key is the key's own line, not its value's.
            child.line = key_node.start_mark.line + 1 if child.line is not None else None
            items[key_text] = child
        return Node(items, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_to_node(item, loader, where, errors) for item in node.value], line)
    return Node(loader.construct_object(node, deep=True), line)


def _from_plain(value: Any) -> Node:
    """Nodes (without lines) for a definition read back from the database."""
    if isinstance(value, dict):
        return Node({str(k): _from_plain(v) for k, v in value.items()}, None)
    if isinstance(value, list):
        return Node([_from_plain(v) for v in value], None)
    return Node(value, None)


# --- validation ----------------------------------------------------------------------

TOP_KEYS = ("defaults", "parties", "threads")
DEFAULT_KEYS = tuple(DEFAULTS)
THREAD_KEYS = ("slug", "title", "description", "parties", "match", "slots", "active", "discover")
DISCOVER_KEYS = ("queries", "seed_entities")
MAX_QUERY_LENGTH = 300
MATCH_KEYS = ("all_of", "any_of", "none_of", "min_score")
TERM_KEYS = ("term", "entity", "weight")
SLOT_KEYS = (
    "name", "type", "description", "counts", "owner", "about", "modality", "cumulative", "unit",
    "unit_label",
    "units",
    "context_any", "near_any", "owner_any", "owner_none", "exclude_before", "exclude_after",
    "states", "patterns", "tolerance", "conflict_window_hours", "stale_after_days",
)
# Keys of the word-window form of a quantity slot, superseded by `counts:` and `owner:`: still
# read (files written that way keep working), with a warning saying how to write them now.
SUPERSEDED_KEYS = {
    "near_any": "the figure's place and subject come from the parse; use `about:` for words "
                "its sentence must name",
    "owner_any": "write `owner: PARTY` (a party of `parties:`): the owner comes from the parse",
    "owner_none": "write `owner: PARTY`: figures the parse gives to any other party are refused",
    "exclude_before": "shares, per-unit sizes, changes and earlier values are told apart by the "
                      "parse; write `counts:` instead",
    "exclude_after": "shares, per-unit sizes, changes and earlier values are told apart by the "
                     "parse; write `counts:` instead",
    "context_any": "`about:` is the same list under its new name",
}
# Function words stay exact in state phrases; every other plain word matches its inflections.
FUNCTION_WORDS = frozenset("""a an the of to in on at by for from with into onto over under
and or but not no as is are was were be been being has have had it its their his her this that
these those there here than then up down out off back""".split())
STATE_KEYS = ("name", "phrases", "priority", "negated", "modal", "supersedes")


def load_threads_file(path: Path) -> list[Thread]:
    """Read and check a threads file; raise ThreadsError naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ThreadsError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ThreadsError(f"{path.name} is not UTF-8 text") from exc
    return parse_threads(text, where=path.name)


def parse_threads(text: str, *, where: str = "threads.yml") -> list[Thread]:
    """Parse threads YAML text into checked Thread definitions."""
    root = compose_yaml(text, where)
    reader = _Reader(where)
    top = reader.mapping(root, "the file", TOP_KEYS, required=("threads",))
    defaults = dict(DEFAULTS)
    if "defaults" in top:
        given = reader.mapping(top["defaults"], "defaults", DEFAULT_KEYS)
        for key, node in given.items():
            if key in DEFAULTS:
                defaults[key] = reader.number(node, f"defaults.{key}", DEFAULTS[key],
                                              high=_upper_bound(key))
    parties = _read_parties(reader, top.get("parties"))
    threads: list[Thread] = []
    seen: dict[str, Node] = {}
    for node in reader.sequence(top.get("threads", Node([], None)), "'threads'"):
        thread = _read_thread(reader, node, defaults, parties)
        if thread is None:
            continue
        if thread.slug in seen:
            reader.error(node, f"thread '{thread.slug}' is defined twice "
                               f"(first at line {seen[thread.slug].line})")
            continue
        seen[thread.slug] = node
        threads.append(thread)
    if "threads" in top and not threads and not reader.errors:
        reader.error(top["threads"], "'threads' is empty: define at least one thread")
    if reader.errors:
        raise ThreadsError("\n".join(reader.errors))
    return threads


def thread_from_definition(definition: Mapping[str, Any]) -> Thread:
    """Rebuild a Thread from the normalised definition stored in the database.

    The track stage loads a slot's thread for every version it tracks; a Thread is
    immutable, so each stored definition is read once.
    """
    return _thread_from_json(json.dumps(definition, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _thread_from_json(text: str) -> Thread:
    definition = json.loads(text)
    reader = _Reader(f"stored definition of thread '{definition.get('slug', '?')}'", warn=False)
    defaults = {key: float(definition.get("defaults", {}).get(key, value))
                for key, value in DEFAULTS.items()}
    parties = _read_parties(reader, _from_plain(definition.get("parties", {})))
    thread = _read_thread(reader, _from_plain(definition["thread"]), defaults, parties)
    if reader.errors or thread is None:
        raise ThreadsError("\n".join(reader.errors) or "unreadable thread definition")
    return thread


def _upper_bound(key: str) -> float:
    return {"tolerance": 1.0, "min_score": 1.0}.get(key, 1e6)


def _read_parties(reader: _Reader, node: Node | None) -> tuple[tuple[str, tuple[Term, ...]], ...]:
    if node is None or node.value is None:
        return ()
    if not isinstance(node.value, dict):
        reader.error(node, "parties must map a party name to the words that name it")
        return ()
    parties = []
    for name, terms_node in node.value.items():
        terms = tuple(_read_terms(reader, terms_node, f"party '{name}'", allow_entities=False))
        parties.append((name, terms))
    return tuple(parties)


def _read_thread(reader: _Reader, node: Node, defaults: dict[str, float],
                 parties: tuple[tuple[str, tuple[Term, ...]], ...]) -> Thread | None:
    slug_node = node.value.get("slug") if isinstance(node.value, dict) else None
    slug = reader.text(slug_node, "a thread's slug") if slug_node else None
    what = f"thread '{slug}'" if slug else "a thread"
    items = reader.mapping(node, what, THREAD_KEYS, required=("slug", "title", "match", "slots"))
    if not items:
        return None
    if slug and not SLUG.match(slug):
        reader.error(slug_node, f"slug '{slug}' must be lower-case letters, digits and dashes")
    title = reader.text(items.get("title"), f"the title of {what}", default="") or ""
    description = reader.text(items.get("description"), f"the description of {what}",
                              default="") or ""
    active = True
    if "active" in items:
        if not isinstance(items["active"].value, bool):
            reader.error(items["active"], f"'active' of {what} must be true or false")
        else:
            active = items["active"].value
    match = _read_match(reader, items.get("match"), what, defaults)
    discover = _read_discover(reader, items.get("discover"), what)
    # A thread's own parties come first: they name the sides of its story.
    own = _read_parties(reader, items.get("parties"))
    parties = own + tuple(p for p in parties if p[0] not in {name for name, _ in own})
    slots: list[Slot] = []
    for slot_node in reader.sequence(items.get("slots", Node([], None)), f"the slots of {what}"):
        slot = _read_slot(reader, slot_node, what, defaults, tuple(name for name, _ in parties))
        if slot is None:
            continue
        if any(s.name == slot.name for s in slots):
            reader.error(slot_node, f"slot '{slot.name}' is defined twice in {what}")
            continue
        slots.append(slot)
    if "slots" in items and not slots and not reader.errors:
        reader.error(items["slots"], f"{what} has no slots: a thread tracks at least one fact")
    _check_contract(reader, node, slug, slots)
    if slug is None or match is None:
        return None
    definition = {
        "thread": _plain(node),
        "defaults": defaults,
        "parties": {name: [t.text for t in terms] for name, terms in parties},
    }
    return Thread(slug, title, description, match, tuple(slots), parties, active, definition,
                  discover)


def _read_discover(reader: _Reader, node: Node | None, what: str) -> Discovery:
    """`discover:`: `queries` (a list of search queries) and/or `seed_entities: true`."""
    if node is None:
        return Discovery()
    where = f"'discover' of {what}"
    items = reader.mapping(node, where, DISCOVER_KEYS)
    if not items and isinstance(node.value, dict):
        reader.error(node, f"{where} is empty: give `queries`, `seed_entities: true`, or both")
    queries: list[str] = []
    for query_node in reader.sequence(items.get("queries", Node([], None)), f"the queries of {where}"):
        query = reader.text(query_node, f"a query of {where}")
        if query is None:
            continue
        if len(query) > MAX_QUERY_LENGTH:
            reader.error(query_node, f"a query of {where} is longer than {MAX_QUERY_LENGTH} "
                                     "characters")
        elif query in queries:
            reader.error(query_node, f"the query {query!r} is listed twice in {where}")
        else:
            queries.append(query)
    seed_entities = False
    if "seed_entities" in items:
        value = items["seed_entities"].value
        if not isinstance(value, bool):
            reader.error(items["seed_entities"], f"'seed_entities' of {where} must be true or false")
        else:
            seed_entities = value
    return Discovery(tuple(queries), seed_entities)


def _check_contract(reader: _Reader, node: Node, slug: str | None, slots: list[Slot]) -> None:
    required = REQUIRED_SLOTS.get(slug or "")
    if not required:
        return
    by_name = {s.name: s for s in slots}
    for slot_name, states in required.items():
        slot = by_name.get(slot_name)
        if slot is None:
            reader.error(node, f"thread '{slug}' must have the slot '{slot_name}' "
                               "(DESIGN.md fixes it: other tools read it)")
            continue
        missing = [s for s in states if slot.state(s) is None]
        if missing:
            reader.error(node, f"slot '{slot_name}' of thread '{slug}' must have the states "
                               f"{', '.join(missing)} (DESIGN.md fixes them)")


def _read_match(reader: _Reader, node: Node | None, what: str,
                defaults: dict[str, float]) -> MatchRules | None:
    if node is None:
        return None
    items = reader.mapping(node, what, MATCH_KEYS)
    all_of: list[tuple[Term, ...]] = []
    for group in reader.sequence(items.get("all_of", Node([], None)), f"all_of of {what}"):
        if isinstance(group.value, list):
            terms = tuple(_read_terms(reader, group, f"all_of of {what}"))
        else:
            terms = tuple(_read_terms(reader, Node([group], group.line), f"all_of of {what}"))
        if terms:
            all_of.append(terms)
    any_of = tuple(_read_terms(reader, items.get("any_of"), f"any_of of {what}"))
    none_of = tuple(_read_terms(reader, items.get("none_of"), f"none_of of {what}"))
    if not all_of and not any_of:
        reader.error(node, f"the match rules of {what} need terms under all_of or any_of")
    min_score = reader.number(items.get("min_score"), f"min_score of {what}",
                              defaults["min_score"], high=1.0)
    return MatchRules(tuple(all_of), any_of, none_of, min_score)


def _read_terms(reader: _Reader, node: Node | None, what: str, *,
                allow_entities: bool = True) -> Iterator[Term]:
    if node is None or node.value is None:
        return
    for item in reader.sequence(node, what):
        if isinstance(item.value, dict) and len(item.value) == 1 and not (
                set(item.value) & set(TERM_KEYS)):
            # the short form of a weighted word: {nuclear talks: 3}
            ((word, weight_node),) = item.value.items()
            weight = reader.number(weight_node, f"the weight of '{word}' in {what}", 1.0,
                                   high=100.0)
            words = tuple(tokenize_phrase(str(word)))
            if not words or words[0] == "*" or words[-1] == "*":
                reader.error(item, f"the term {word!r} in {what} has no words to match")
                continue
            yield Term(str(word), words, weight, False)
            continue
        if isinstance(item.value, dict):
            fields = reader.mapping(item, f"a term of {what}", TERM_KEYS)
            kinds = [k for k in ("term", "entity") if k in fields]
            if len(kinds) != 1:
                reader.error(item, f"a term of {what} needs exactly one of 'term' or 'entity'")
                continue
            if kinds[0] == "entity" and not allow_entities:
                reader.error(item, f"{what} takes words, not entities")
                continue
            text = reader.text(fields[kinds[0]], f"a term of {what}")
            weight = reader.number(fields.get("weight"), f"the weight of '{text}' in {what}",
                                   1.0, high=100.0)
            is_entity = kinds[0] == "entity"
        else:
            text = reader.text(item, f"a term of {what}")
            weight, is_entity = 1.0, False
        if text is None:
            continue
        words = tuple(tokenize_phrase(text))
        if not words or all(w == "*" for w in words):
            reader.error(item, f"the term {text!r} in {what} has no words to match")
            continue
        if words[0] == "*" or words[-1] == "*":
            reader.error(item, f"the term {text!r} in {what} cannot start or end with a '*' gap")
            continue
        yield Term(text, words, weight, is_entity)


def _read_slot(reader: _Reader, node: Node, thread: str,
               defaults: dict[str, float], party_names: tuple[str, ...] = ()) -> Slot | None:
    name_node = node.value.get("name") if isinstance(node.value, dict) else None
    name = reader.text(name_node, f"the name of a slot of {thread}") if name_node else None
    what = f"slot '{name}' of {thread}" if name else f"a slot of {thread}"
    items = reader.mapping(node, what, SLOT_KEYS, required=("name", "type"))
    if not items or name is None:
        return None
    if not SLOT_NAME.match(name):
        reader.error(name_node, f"slot name '{name}' must be lower-case letters, digits and _")
    slot_type = reader.text(items.get("type"), f"the type of {what}", default="") or ""
    if slot_type and slot_type not in SLOT_TYPES:
        close = difflib.get_close_matches(slot_type, SLOT_TYPES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        reader.error(items["type"], f"type '{slot_type}' of {what} is not one of "
                                    f"{', '.join(SLOT_TYPES)}{hint}")
    for key, advice in SUPERSEDED_KEYS.items():
        if key in items and reader.warn:
            log.warning("%s line %s: '%s' of %s is superseded: %s", reader.where,
                        items[key].line, key, what, advice)
    counts_node = items.get("counts")
    counted_words = [reader.text(n, f"'counts' of {what}") for n in (
        counts_node.value if counts_node is not None and isinstance(counts_node.value, list)
        else [counts_node] if counts_node is not None else [])]
    counted_words = [w for w in counted_words if w]
    counts = counted_words[0] if counted_words else None
    if counts is not None and slot_type != "quantity":
        reader.error(items["counts"], f"{what} is a {slot_type}: only quantity slots count")
    owners = _read_owners(reader, items.get("owner"), what, party_names)
    unit = reader.text(items.get("unit"), f"the unit of {what}") or counts
    units: list[tuple[str, float]] = []
    if slot_type == "quantity":
        if unit is None:
            reader.error(node, f"{what} is a quantity and needs 'counts' (what its figure "
                               "counts or measures: troops, kg, percent)")
        units_node = items.get("units")
        if units_node is not None:
            if not isinstance(units_node.value, dict):
                reader.error(units_node, f"units of {what} must map a word to a factor")
            else:
                for word, factor_node in units_node.value.items():
                    factor = reader.number(factor_node, f"the factor of unit '{word}' in {what}",
                                           1.0, low=1e-12)
                    units.append((" ".join(tokenize_phrase(word)) or word.lower(), factor))
        if unit is not None and not any(u == " ".join(tokenize_phrase(unit)) for u, _ in units):
            units.append((" ".join(tokenize_phrase(unit)), 1.0))
    states = _read_states(reader, items.get("states"), what)
    if slot_type == "status" and not states:
        reader.error(node, f"{what} is a status and needs 'states' with phrases")
    if slot_type != "status" and "states" in items:
        reader.error(items["states"], f"{what} is a {slot_type}: only status slots have states")
    patterns: list[str] = []
    for pattern_node in reader.sequence(items.get("patterns", Node([], None)),
                                        f"patterns of {what}"):
        pattern = reader.text(pattern_node, f"a pattern of {what}")
        if pattern is None:
            continue
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            reader.error(pattern_node, f"pattern {pattern!r} of {what} is not a valid "
                                       f"regular expression: {exc}")
            continue
        if "value" not in compiled.groupindex:
            reader.error(pattern_node, f"pattern {pattern!r} of {what} needs a group "
                                       "(?P<value>...) naming the text to keep")
            continue
        patterns.append(pattern)
    if slot_type == "text" and not patterns:
        reader.error(node, f"{what} is a text slot and needs 'patterns'")

    def terms(key: str) -> tuple[Term, ...]:
        return tuple(_read_terms(reader, items.get(key), f"{key} of {what}",
                                 allow_entities=False))

    return Slot(
        name=name,
        type=slot_type,
        description=reader.text(items.get("description"), f"the description of {what}",
                                default="") or "",
        unit=unit,
        unit_label=reader.text(items.get("unit_label"), f"the unit_label of {what}"),
        units=tuple(units),
        context_any=terms("about") + terms("context_any"),
        near_any=terms("near_any"),
        owner_any=terms("owner_any"),
        owner_none=terms("owner_none"),
        exclude_before=terms("exclude_before"),
        exclude_after=terms("exclude_after"),
        states=states,
        patterns=tuple(patterns),
        tolerance=reader.number(items.get("tolerance"), f"the tolerance of {what}",
                                defaults["tolerance"], high=1.0),
        conflict_window_hours=reader.number(items.get("conflict_window_hours"),
                                            f"conflict_window_hours of {what}",
                                            defaults["conflict_window_hours"]),
        stale_after_days=reader.number(items.get("stale_after_days"),
                                       f"stale_after_days of {what}",
                                       defaults["stale_after_days"]),
        counts=counts,
        owners=owners,
        also_counts=tuple(counted_words[1:]),
        modalities=_read_modalities(reader, items.get("modality"), what),
        cumulative=_read_flag(reader, items.get("cumulative"), f"'cumulative' of {what}"),
    )


FIGURE_MODALITIES = ("asserted", "planned", "projected", "conditional")


def _read_flag(reader: _Reader, node: Node | None, what: str) -> bool:
    if node is None:
        return False
    if not isinstance(node.value, bool):
        reader.error(node, f"{what} must be true or false")
        return False
    return node.value


def _read_modalities(reader: _Reader, node: Node | None, what: str) -> tuple[str, ...]:
    """`modality:` how a figure may be put to fill the slot (default: asserted)."""
    if node is None:
        return ("asserted",)
    items = node.value if isinstance(node.value, list) else [node]
    found: list[str] = []
    for item in items:
        name = reader.text(item, f"'modality' of {what}")
        if name is not None and name not in FIGURE_MODALITIES:
            reader.error(item, f"modality '{name}' of {what} is not one of "
                               f"{', '.join(FIGURE_MODALITIES)}")
        elif name is not None:
            found.append(name)
    return tuple(found) or ("asserted",)


def _read_owners(reader: _Reader, node: Node | None, what: str,
                 party_names: tuple[str, ...]) -> tuple[str, ...]:
    """`owner:` a party name or a list of them, each defined under `parties:`."""
    if node is None:
        return ()
    items = node.value if isinstance(node.value, list) else [node]
    owners: list[str] = []
    for item in items:
        name = reader.text(item, f"'owner' of {what}")
        if name is None:
            continue
        if name not in party_names:
            close = difflib.get_close_matches(name, party_names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            reader.error(item, f"owner '{name}' of {what} is not a party; parties: "
                               f"{', '.join(party_names) or 'none defined'}{hint}")
            continue
        owners.append(name)
    return tuple(owners)


def _inflecting(term: Term) -> Term:
    """A state phrase whose plain content words match their inflections ("resume~")."""
    words = tuple(w + "~" if w.isalpha() and len(w) >= 3 and w not in FUNCTION_WORDS else w
                  for w in term.words)
    return Term(term.text, words, term.weight, term.is_entity)


def _read_states(reader: _Reader, node: Node | None, what: str) -> tuple[State, ...]:
    if node is None:
        return ()
    states: list[State] = []
    nodes: dict[str, Node] = {}
    for item in reader.sequence(node, f"states of {what}"):
        name_node = item.value.get("name") if isinstance(item.value, dict) else None
        name = reader.text(name_node, f"a state name in {what}") if name_node else None
        state_what = f"state '{name}' of {what}" if name else f"a state of {what}"
        fields = reader.mapping(item, state_what, STATE_KEYS, required=("name", "phrases"))
        if not fields or name is None:
            continue
        if not SLOT_NAME.match(name):
            reader.error(name_node, f"state name '{name}' must be lower-case letters, digits, _")
        if name in nodes:
            reader.error(item, f"state '{name}' is defined twice in {what}")
            continue
        phrases = tuple(_inflecting(t) for t in _read_terms(
            reader, fields.get("phrases"), f"phrases of {state_what}", allow_entities=False))
        if not phrases and "phrases" in fields:
            reader.error(fields["phrases"], f"{state_what} has no phrases")
        # Without a priority, the order of the list is the order of the story: later wins.
        priority = reader.number(fields.get("priority"), f"priority of {state_what}",
                                 float(len(states) + 1), low=-1000.0, high=1000.0)
        supersedes = [reader.text(n, f"supersedes of {state_what}") or ""
                      for n in reader.sequence(fields.get("supersedes", Node([], None)),
                                               f"supersedes of {state_what}")]
        nodes[name] = item
        states.append(State(
            name=name,
            phrases=phrases,
            priority=int(priority),
            negated=reader.text(fields.get("negated"), f"negated of {state_what}",
                                default="drop") or "drop",
            modal=reader.text(fields.get("modal"), f"modal of {state_what}",
                              default="drop") or "drop",
            supersedes=tuple(s for s in supersedes if s),
        ))
    names = {s.name for s in states}
    for state in states:
        item = nodes[state.name]
        for key, value, allowed in (("negated", state.negated, {"drop"}),
                                    ("modal", state.modal, {"drop", "keep"})):
            if value not in allowed and value not in names:
                reader.error(item, f"{key} of state '{state.name}' in {what} must be "
                                   f"{' or '.join(sorted(allowed))} or a state name, "
                                   f"not '{value}'")
        for other in state.supersedes:
            if other not in names:
                reader.error(item, f"state '{state.name}' in {what} supersedes unknown "
                                   f"state '{other}'")
    return tuple(states)


def _plain(node: Node) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


# --- reading back what was synced ---------------------------------------------------

SELECT_ACTIVE_DEFINITIONS = """
select definition from threads where is_active order by slug
"""


def read_threads(conn: Connection) -> list[Thread]:
    """The active threads as last synced to the database."""
    with conn.cursor() as cur:
        cur.execute(SELECT_ACTIVE_DEFINITIONS)
        rows = cur.fetchall()
    return [thread_from_definition(row[0]) for row in rows]
