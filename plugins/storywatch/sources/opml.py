"""OPML subscription lists (what every feed reader exports), read with a hardened XML parser.

The parser resolves no entities, loads no DTD, touches no network and keeps
libxml2's limits on huge documents; a document that declares entities at all is
refused outright, so neither an external entity nor an expansion bomb gets in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from storywatch.errors import StorywatchError
from storywatch.web.urls import has_credentials, is_http_url, without_credentials

MAX_OPML_BYTES = 5 * 2**20
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


class OpmlError(StorywatchError):
    """The file is not an OPML document storywatch can read; the message says why."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    name: str | None


@dataclass(frozen=True, slots=True)
class OpmlList:
    """The feeds an OPML file subscribes to, and the outlines skipped with the reason."""

    feeds: tuple[OpmlFeed, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True,
    )


def parse_opml(data: bytes) -> OpmlList:
    """The feed URLs (xmlUrl) and names of an OPML document, nested folders included."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the OPML file is larger than {MAX_OPML_BYTES // 2**20} MB")
    if _ENTITY_DECLARATION.search(data):
        raise OpmlError("the OPML file declares XML entities, which are refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from exc
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise OpmlError("not an OPML document (the root element is not <opml>)")
    feeds: list[OpmlFeed] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for outline in root.iter("{*}outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue  # a folder, or a plain link
        name = (outline.get("title") or outline.get("text") or "").strip() or None
        if not is_http_url(url):
            skipped.append((url, "not an http(s) URL"))
        elif has_credentials(url):
            skipped.append((without_credentials(url), "carries a user name or password"))
        elif url not in seen:
            seen.add(url)
            feeds.append(OpmlFeed(url, name))
    return OpmlList(tuple(feeds), tuple(skipped))
