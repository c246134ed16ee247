"""Who held which office when: `seeds/roles.yml`, read for articles that name a role only.

"The Iranian president said ..." names nobody; on 2022-02-10 it is Ebrahim
Raisi. The file lists offices (a role of a country or body) with the people
who held them and the period, so the extractor can resolve a role phrase by
the article's publication date when the article itself never gives the name.
The article always wins: a role the article gives to a named person is used
first (see `language.coref`). Format (documented in the file's header):

    offices:
      - role: president            # the head noun last: "foreign minister", "spokesman"
        of: Iran                   # a country (as the articles name it) or a body
        institution: Iranian presidency   # optional: whom the holder speaks for
        holders:
          - {person: Ebrahim Raisi, from: 2021-08-03, to: 2024-05-19}
          - {person: Hassan Rouhani, from: 2013-08-03, to: 2021-08-03}

`to` is exclusive and optional (still in office). Mistakes are reported with
their line: "roles.yml line 7: holder of 'president of Iran' has no 'person'".
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from storywatch.settings import Settings

OFFICE_KEYS = {"role", "of", "institution", "holders", "aliases"}
HOLDER_KEYS = {"person", "from", "to"}


class RolesError(ValueError):
    """roles.yml is invalid; the message names the line of every problem."""


@dataclass(frozen=True, slots=True)
class Tenure:
    """One person in one office for a period (`until` exclusive, None: still in office)."""

    role: str
    of: str
    person: str
    since: dt.date
    until: dt.date | None
    institution: str | None


@dataclass(frozen=True, slots=True)
class RoleBook:
    """Every tenure of the file, looked up by (body, role head words) and a date."""

    tenures: tuple[Tenure, ...]
    digest: str
    aliases: tuple[tuple[str, str], ...] = ()  # (alias of a body, the body)

    def holder(self, of: str | None, role: str, on: dt.date | None) -> Tenure | None:
        """The one person holding `role` of `of` on date `on`, if the book knows exactly one."""
        if of is None or on is None:
            return None
        body = self._body(of)
        wanted = role_key(role).split()
        found = [t for t in self.tenures
                 if t.of.casefold() == body and _same_role(t.role.split(), wanted)
                 and t.since <= on and (t.until is None or on < t.until)]
        people = {t.person for t in found}
        return found[0] if len(people) == 1 else None

    def institution_of(self, person: str, on: dt.date | None) -> str | None:
        """The institution a person speaks for on `on`, when the book gives one."""
        for t in self.tenures:
            if t.person == person and t.institution and (on is None or (
                    t.since <= on and (t.until is None or on < t.until))):
                return t.institution
        return None

    def _body(self, of: str) -> str:
        key = of.casefold()
        for alias, body in self.aliases:
            if alias.casefold() == key:
                return body.casefold()
        return key


EMPTY_BOOK = RoleBook((), "none")


_ROLE_SYNONYMS = {"defense": "defence", "spokesman": "spokesperson",
                  "spokeswoman": "spokesperson", "defence-minister": "defence minister"}


def role_key(role: str) -> str:
    """A role's comparable form: head noun last, one spelling ('secretary of defense' ->
    'defence secretary', 'spokeswoman' -> 'spokesperson')."""
    words = role.casefold().replace("-", " ").split()
    if "of" in words[1:]:
        k = words.index("of")
        words = words[k + 1:] + words[:k]
    return " ".join(_ROLE_SYNONYMS.get(w, w) for w in words if w not in ("the", "a", "an"))


def _same_role(held: list[str], wanted: list[str]) -> bool:
    """'foreign minister' is wanted 'minister' only when the book has one minister."""
    if held[-1] != wanted[-1]:
        return False
    return set(held) <= set(wanted)


def parse_roles(text: str, where: str = "roles.yml") -> RoleBook:
    """The RoleBook of a roles.yml text; RolesError lists every problem with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise RolesError(f"{where}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    errors: list[str] = []
    tenures: list[Tenure] = []
    aliases: list[tuple[str, str]] = []

    def error(node: yaml.Node | None, message: str) -> None:
        line = f" line {node.start_mark.line + 1}" if node is not None else ""
        errors.append(f"{where}{line}: {message}")

    if root is None:
        return RoleBook((), _digest(text))
    offices = _mapping_get(root, "offices")
    if not isinstance(root, yaml.MappingNode) or offices is None:
        raise RolesError(f"{where} line 1: expected a mapping with the key 'offices'")
    if not isinstance(offices, yaml.SequenceNode):
        raise RolesError(f"{where} line {offices.start_mark.line + 1}: 'offices' must be a list")
    for office in offices.value:
        if not isinstance(office, yaml.MappingNode):
            error(office, "each office must be a mapping with 'role', 'of' and 'holders'")
            continue
        keys = {k.value: (k, v) for k, v in office.value}
        for key, (key_node, _) in keys.items():
            if key not in OFFICE_KEYS:
                error(key_node, f"unknown key {key!r} in an office (expected one of "
                      f"{', '.join(sorted(OFFICE_KEYS))})")
        role = _scalar(keys.get("role"), "role", office, error)
        of = _scalar(keys.get("of"), "of", office, error)
        institution = _optional_scalar(keys.get("institution"))
        label = f"{role} of {of}"
        if "aliases" in keys and of:
            for alias in _as_list(keys["aliases"][1]):
                aliases.append((str(alias), of))
        holders = keys.get("holders")
        if holders is None or not isinstance(holders[1], yaml.SequenceNode):
            error(holders[0] if holders else office, f"office {label!r} needs a list 'holders'")
            continue
        for holder in holders[1].value:
            tenure = _tenure(holder, role, of, institution, label, error)
            if tenure is not None:
                tenures.append(tenure)
    if errors:
        raise RolesError("\n".join(errors))
    return RoleBook(tuple(tenures), _digest(text), tuple(aliases))


def _tenure(node: yaml.Node, role: str | None, of: str | None, institution: str | None,
            label: str, error: Any) -> Tenure | None:
    if not isinstance(node, yaml.MappingNode):
        error(node, f"holder of {label!r} must be a mapping with 'person' and 'from'")
        return None
    keys = {k.value: (k, v) for k, v in node.value}
    for key, (key_node, _) in keys.items():
        if key not in HOLDER_KEYS:
            error(key_node, f"unknown key {key!r} in a holder of {label!r} (expected person, "
                  "from, to)")
    if "person" not in keys:
        error(node, f"holder of {label!r} has no 'person'")
        return None
    since = _date(keys.get("from"), node, label, error, required=True)
    until = _date(keys.get("to"), node, label, error, required=False)
    if since and until and until <= since:
        error(keys["to"][1], f"holder of {label!r}: 'to' ({until}) is not after 'from' ({since})")
        return None
    if role is None or of is None or since is None:
        return None
    return Tenure(role_key(role), of, str(keys["person"][1].value).strip(),
                  since, until, institution)


def _date(entry: tuple[yaml.Node, yaml.Node] | None, node: yaml.Node, label: str, error: Any,
          required: bool) -> dt.date | None:
    if entry is None:
        if required:
            error(node, f"holder of {label!r} has no 'from' date")
        return None
    value = entry[1].value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        error(entry[1], f"holder of {label!r}: {entry[0].value} {value!r} is not a date "
              "(YYYY-MM-DD)")
        return None


def _mapping_get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if k.value == key:
            return v
    return None


def _scalar(entry: tuple[yaml.Node, yaml.Node] | None, key: str, office: yaml.Node,
            error: Any) -> str | None:
    if entry is None or not isinstance(entry[1], yaml.ScalarNode) or not str(entry[1].value).strip():
        error(entry[0] if entry else office, f"an office needs a text {key!r}")
        return None
    return str(entry[1].value).strip()


def _optional_scalar(entry: tuple[yaml.Node, yaml.Node] | None) -> str | None:
    if entry is None or not isinstance(entry[1], yaml.ScalarNode):
        return None
    return str(entry[1].value).strip() or None


def _as_list(node: yaml.Node) -> Iterable[str]:
    if isinstance(node, yaml.SequenceNode):
        return [str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode)]
    return [str(node.value)] if isinstance(node, yaml.ScalarNode) else []


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_roles(path: Path) -> RoleBook:
    """The RoleBook of a file; an absent file is an empty book."""
    if not path.exists():
        return EMPTY_BOOK
    return parse_roles(path.read_text(encoding="utf-8"), where=path.name)


@functools.cache
def default_roles() -> RoleBook:
    """The book of the configured seeds folder (STORYWATCH_SEEDS_DIR), read once per process."""
    return load_roles(Settings.from_env().seeds_dir / "roles.yml")
