"""How storywatch behaves as the corpus grows: 1k, 10k, 100k and 1M document versions.

    PYTHONPATH=plugins python bench/scale.py [--quick] [--sizes 1000,10000,100000] [--keep]
    PYTHONPATH=plugins python bench/scale.py --sizes 1000000 --keep   # about an hour here
    PYTHONPATH=plugins python bench/scale.py --sizes 1000000 --remeasure --reprocess

For each size, on a scratch database of its own (created and dropped on the server of
STORYWATCH_DATABASE_URL, else 127.0.0.1:5432):
1. a synthetic corpus is written with COPY: document versions varied from real article
   texts (names, figures, dates, sources, paragraph order), with the rows the stages would
   have derived from them in the proportions the real stages produce (entity mentions,
   claims, relevance, observations, copy signatures and links, stage_runs marking them
   processed). Running NLP over 100k texts would take hours on this machine. Developments
   and thread state are then derived from the synthetic observations by the tracker itself
   (track.recompute_all), so they are what storywatch would hold;
2. the same 300 new real articles are stored and processed (every stage of
   storywatch.store.stagework, timed per stage): seconds per new article at each size;
3. the analyst queries run 50 times each through the public views and functions (median
   and p95), with EXPLAIN (ANALYZE, BUFFERS) saved under bench/out/scale/.
Rows per table, database size and the figures go to stdout and bench/RESULTS.md.
Aims: every analyst query under 50 ms at 1M versions; per-article process cost at 1M within
10% of 1k.

The synthetic copy signatures are random features grouped in story clusters (real copies
share anchors), so a new article finds no synthetic candidate: the copies stage's cost
at scale is its index look-ups, not comparisons against invented near-duplicates.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import logging
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402
from benchkit import REPO  # noqa: E402
from psycopg2.sql import SQL, Identifier  # noqa: E402

from storywatch import stages as pipeline  # noqa: E402
from storywatch.settings import Settings  # noqa: E402
from storywatch.sources.article_files import read_article_file  # noqa: E402
from storywatch.sources.ingest import ingest_paths  # noqa: E402
from storywatch.store import (
    migrate,
    stagework,  # noqa: E402
)
from storywatch.store.articles import ArticleText, store_article  # noqa: E402
from storywatch.store.db import Connection, connect  # noqa: E402
from storywatch.text import fingerprint, sha256_text  # noqa: E402

log = logging.getLogger("bench.scale")

DATABASE = "storywatch_bench_scale"
NEW_ARTICLES = 300
QUERY_RUNS = 50
OUT = benchkit.OUT_DIR / "scale"

# Per document version, the means the real stages give on news text (measured on the
# fixture and benchmark articles; see RESULTS.md, "rows per new article").
MENTIONS_PER_VERSION = 24
CLAIMS_PER_VERSION = 9
THREAD_SHARE = 0.10        # versions relevant to a thread (the rest is other news)
OBSERVATIONS_PER_RELEVANT = 1.6
VERSIONS_PER_DOCUMENT = 1.15  # revisits turn about one article in seven into two versions
COPY_SHARE = 0.12          # documents that copy an earlier one (wire syndication)
SOURCES = 150
ENTITY_BASE, ENTITY_PER_VERSION = 400, 0.25  # distinct entities grow slower than the corpus
CORPUS_START = dt.datetime(2021, 6, 1, tzinfo=dt.UTC)
CORPUS_DAYS = 540

FIRST = ("Anna Boris Carlos Dmitri Elena Farid Greta Hassan Ines Jonas Katya Leila Mikhail "
         "Nadia Olga Pavel Rania Sergei Tomas Yulia Ali Beatriz Chen David Emma Fatima "
         "Gabriel Hana Ivan Jamal Kim Lucia Marco Nora Omar Petra Reza Sofia Viktor Zainab").split()
LAST = ("Petrov Kowalski Haddad Novak Rahimi Schmidt Moreau Ivanova Tanaka Okafor Lindqvist "
        "Romero Karimi Volkov Mendes Horvat Nasser Fischer Bauer Costa Duarte Eriksen Gallo "
        "Hosseini Jovanovic Kuznetsov Larsen Marin Nowak Ortiz Popescu Quinn Rossi Silva "
        "Takacs Usmani Vargas Weber Yilmaz Zhou").split()
ORG_WORDS = ("National Federal Eastern Western Atlantic Pacific United Central Northern "
             "Southern Independent Global").split()
ORG_KINDS = ("Ministry Agency Council Institute Bank Commission Party Union Forum "
             "Authority Office Committee").split()
PLACES = ("Vienna Geneva Kyiv Moscow Tehran Brussels Minsk Kharkiv Doha Ankara Warsaw Riga "
          "Vilnius Tallinn Baku Yerevan Tbilisi Odesa Lviv Donetsk").split()
REPORTING = ("said", "told", "added", "warned", "according to", "stated", "claimed")


# --- texts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaseText:
    title: str
    body: str
    thread: str | None  # the thread this text is about, when it is one of the fixtures


def real_bodies() -> list[tuple[str, str, str]]:
    """(url, title, body) of the 181 human-checked article bodies of the extraction benchmark."""
    path = Settings.from_env().shared_dir / "bench" / "article-extraction" / "ground-truth.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for key in sorted(data):
        body = data[key]["articleBody"].strip()
        if len(body.split()) < 60:
            continue
        title = body.split("\n", 1)[0][:120]
        found.append((data[key]["url"], title, body))
    return found


def fixture_paths() -> list[Path]:
    """Article files about the tracked threads: timeline fixtures, held-out timeline, gold, seed."""
    paths = sorted((REPO / "tests" / "fixtures" / "timeline").glob("*.txt"))
    paths += sorted((REPO / "bench" / "timeline_heldout").glob("*.txt"))
    paths += sorted((REPO / "bench" / "extraction_gold").glob("*.txt"))
    paths += sorted((REPO / "bench" / "extraction_gold" / "heldout").glob("*.txt"))
    paths += sorted((REPO / "seeds").glob("*.txt"))
    return paths


def base_texts() -> list[BaseText]:
    """The texts synthetic versions are varied from: real news, and articles on the threads."""
    bases = [BaseText(title, body, None) for _url, title, body in real_bodies()]
    for path in fixture_paths():
        article = read_article_file(path, path.parent)
        text = article.text
        thread = ("jcpoa-talks" if re.search(r"\b(Iran|IAEA|JCPOA|Tehran|uranium)\b", text)
                  else "ukraine-buildup")
        bases.append(BaseText(article.title or text[:80], text, thread))
    return bases


_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d{2,6}\b")
_NAME = re.compile(r"\b(Biden|Putin|Zelenskyy|Lavrov|Blinken|Austin|Raisi|Borrell|Grossi|"
                   r"Peskov|Stoltenberg|Sullivan|Kirby|Macron|Scholz|Johnson)\b")


def vary_text(base: BaseText, rng: random.Random) -> tuple[str, str]:
    """A variant of `base`: other names, other figures, paragraphs reordered or cut."""
    def other_number(m: re.Match[str]) -> str:
        digits = m.group(0).replace(",", "")
        if len(digits) == 4 and digits.startswith(("19", "20")):
            return str(rng.randint(2015, 2023))  # a year stays a year
        value = max(1, int(int(digits) * rng.uniform(0.6, 1.6)))
        return f"{value:,}" if "," in m.group(0) else str(value)

    def other_name(_m: re.Match[str]) -> str:
        return rng.choice(LAST)

    paragraphs = [p for p in base.body.split("\n") if p.strip()]
    if len(paragraphs) > 3:
        head, rest = paragraphs[:2], paragraphs[2:]
        rng.shuffle(rest)
        paragraphs = head + rest[: max(1, int(len(rest) * rng.uniform(0.6, 1.0)))]
    body = "\n\n".join(paragraphs)
    body = _NAME.sub(other_name, _NUMBER.sub(other_number, body))
    for place in rng.sample(PLACES, 2):
        body = body.replace(rng.choice(PLACES), place, 1)
    title = _NAME.sub(other_name, _NUMBER.sub(other_number, base.title))
    return title, body


def sentences(body: str) -> list[str]:
    """Rough sentences of a body, for evidence columns."""
    parts = re.split(r"(?<=[.!?])\s+", body)
    return [p.strip() for p in parts if len(p.split()) >= 5] or [body[:200]]


# --- COPY ------------------------------------------------------------------------------


def _array(values: Sequence[object]) -> str:
    items = []
    for v in values:
        if isinstance(v, (int, float)):
            items.append(str(v))
        else:
            items.append('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


_CONVERT: dict[type, Callable[[Any], object]] = {
    bool: lambda b: "t" if b else "f",
    list: _array,
    tuple: _array,
    dt.datetime: lambda d: d.isoformat(),
}


class Copier:
    """Buffers rows for one table and sends them with COPY (CSV) in chunks."""

    def __init__(self, conn: Connection, table: str, columns: Sequence[str]) -> None:
        self.conn, self.table, self.columns = conn, table, columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.pending = 0
        self.count = 0

    def add(self, row: Sequence[object]) -> None:
        # None becomes an empty unquoted field, which COPY's CSV format reads as NULL
        self.writer.writerow([_CONVERT[type(v)](v) if type(v) in _CONVERT else v for v in row])
        self.pending += 1
        if self.pending >= 50_000:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        with self.conn.cursor() as cur:
            # the rows are generated consistent: skip the per-row foreign-key triggers
            cur.execute("set session_replication_role = replica")
            statement = SQL("copy {} ({}) from stdin with (format csv)").format(
                Identifier(self.table), SQL(", ").join(map(Identifier, self.columns)))
            cur.copy_expert(statement.as_string(cur), self.buffer)
            cur.execute("set session_replication_role = origin")
        self.count += self.pending
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.pending = 0


# --- the synthetic corpus ----------------------------------------------------------------

SLOT_VALUES: dict[str, list[tuple[str, float | None, float | None, str | None, str | None]]] = {
    # (value_text, num, low, qualifier, state)
    "troop_estimate": [
        ("100,000 troops", 100000, None, "approx", None),
        ("more than 100,000 troops", 100000, None, "at_least", None),
        ("127,000 troops", 127000, None, None, None),
        ("more than 130,000 troops", 130000, None, "at_least", None),
        ("150,000 troops", 150000, None, "approx", None),
        ("169,000–190,000 personnel", 190000, 169000, "range", None),
        ("8,500 troops", 8500, None, None, None),
    ],
    "enrichment_level": [("60%", 60, None, None, None), ("20%", 20, None, None, None),
                         ("up to 90%", 90, None, "at_most", None), ("3.67%", 3.67, None, None, None)],
    "stockpile": [("3,197 kg", 3197, None, None, None), ("3,809 kg", 3809, None, None, None),
                  ("about 2,500 kg", 2500, None, "approx", None)],
}
STATES = {
    "talks_status": ["ongoing", "stalled", "paused", "final_text", "agreed", "collapsed"],
    "withdrawal_claim": ["claimed", "disputed", "verified"],
    "invasion_status": ["threatened", "underway"],
}
PARTIES = {"troop_estimate": ["us", "ukraine", "russia", None, None],
           "withdrawal_claim": ["russia", "us", "nato", None]}


@dataclass(slots=True)
class Ids:
    document: int = 0
    version: int = 0
    entity: int = 0


def stage_versions() -> dict[str, str]:
    """Each registered stage's name and current version (what stage_runs must say)."""
    versions = {}
    for factory in pipeline.STAGE_FACTORIES:
        stage = factory()
        versions[stage.name] = stage.version
    return versions


def slot_ids(conn: Connection) -> dict[str, tuple[int, int, str]]:
    """slot name -> (thread_slot_id, thread_id, thread slug) of the synced threads."""
    with conn.cursor() as cur:
        cur.execute("select s.slot, s.thread_slot_id, t.thread_id, t.slug "
                    "from thread_slots as s join threads as t using (thread_id)")
        return {slot: (int(sid), int(tid), slug) for slot, sid, tid, slug in cur.fetchall()}


def build_corpus(conn: Connection, size: int, bases: list[BaseText], rng: random.Random) -> None:
    """Write `size` synthetic document versions and their derived rows with COPY."""
    t0 = time.perf_counter()
    slots = slot_ids(conn)
    threads = {slug: tid for _s, (_sid, tid, slug) in slots.items()}
    stages = stage_versions()
    extractor = stages.get("extract", "1").split("+")[0]
    general = [b for b in bases if b.thread is None]
    on_thread = [b for b in bases if b.thread is not None]

    sources = [f"{rng.choice(ORG_WORDS)} {w} {i}" for i, w in
               enumerate(rng.choices(["Post", "Times", "Wire", "Herald", "Daily", "Observer",
                                      "News", "Gazette", "Tribune", "Courier"], k=SOURCES), 1)]
    with conn.cursor() as cur:
        cur.execute("select coalesce(max(entity_id), 0) from entities")
        first_entity = int(cur.fetchone()[0]) + 1  # type: ignore[index]
    src = Copier(conn, "sources", ["source_id", "name", "homepage_url"])
    for i, name in enumerate(sources, 1):
        src.add((i, name, f"https://{slug(name)}.example/"))
    src.flush()

    entity_count = int(ENTITY_BASE + ENTITY_PER_VERSION * size)
    ent = Copier(conn, "entities", ["entity_id", "name", "type"])
    entities: list[tuple[int, str, str]] = []
    for i in range(entity_count):
        kind = rng.random()
        if kind < 0.5:
            name, etype = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}", "PERSON"
            cycle = i // (len(FIRST) * len(LAST))
            if cycle:  # past 26 cycles (1M versions) the letter repeats: add the round
                name += f" {chr(65 + cycle % 26)}{cycle // 26 or ''}."
        elif kind < 0.8:
            name = f"{ORG_WORDS[i % len(ORG_WORDS)]} {ORG_KINDS[(i // 12) % len(ORG_KINDS)]} {i}"
            etype = "ORG"
        else:
            name, etype = f"{PLACES[i % len(PLACES)]} District {i}", "GPE"
        entity_id = first_entity + i
        entities.append((entity_id, name, etype))
        ent.add((entity_id, name, etype))
    ent.flush()

    docs = Copier(conn, "documents", ["document_id", "identity", "url", "source_id", "origin",
                                      "first_seen_at"])
    vers = Copier(conn, "document_versions", [
        "document_version_id", "document_id", "version_no", "content_sha256", "fingerprint",
        "title", "body", "author", "published_at", "published_at_source", "fetched_at"])
    diffs = Copier(conn, "version_diffs", [
        "document_version_id", "previous_version_id", "title_changed", "sentences_added",
        "sentences_removed", "added_sentences", "removed_sentences", "unified_diff", "is_trivial"])
    mentions = Copier(conn, "entity_mentions", [
        "document_version_id", "start_char", "end_char", "entity_id", "type", "label", "how",
        "text", "sentence_index", "extractor_version"])
    claims = Copier(conn, "claims", [
        "document_version_id", "kind", "start_char", "end_char", "text", "speaker_entity_id",
        "speaker_text", "attribution", "attributed_to", "reporting_verb", "value_num",
        "value_low", "value_high", "unit", "qualifier", "negated", "evidence", "sentence_index",
        "extractor_version"])
    extractions = Copier(conn, "version_extractions", [
        "document_version_id", "extractor_version", "model", "chars_parsed", "truncated",
        "spin_score", "spin_terms"])
    relevance = Copier(conn, "thread_relevance", [
        "document_version_id", "thread_id", "score", "is_relevant", "matched_terms",
        "matched_entities", "reason"])
    observations = Copier(conn, "observations", [
        "thread_slot_id", "document_version_id", "value_key", "value_text", "value_num",
        "value_low", "qualifier", "state", "attributed_to", "party", "source_line", "evidence",
        "sentence_index"])
    runs = Copier(conn, "stage_runs", ["document_version_id", "stage", "stage_version", "status"])
    signatures = Copier(conn, "copy_signatures", [
        "document_id", "document_version_id", "ordered_at", "body_fold_sha256", "word_count",
        "word_shingles", "word_anchors", "skeleton_shingles", "skeleton_minhash",
        "skeleton_bands", "quote_shingles", "numbers", "sentence_hashes"])
    copies = Copier(conn, "story_copies", [
        "document_id", "copy_of_document_id", "kind", "score", "word_similarity",
        "quote_similarity", "number_similarity", "skeleton_similarity", "sentence_similarity",
        "document_version_id"])

    ids = Ids()
    cluster_of: list[tuple[int, list[int], dt.datetime]] = []  # (first doc, bands, time)
    slots_by_thread: dict[str, list[str]] = {}
    for slot, (_sid, _tid, thread_slug) in slots.items():
        slots_by_thread.setdefault(thread_slug, []).append(slot)
    while ids.version < size:
        ids.document += 1
        document_id = ids.document
        base = rng.choice(on_thread) if rng.random() < THREAD_SHARE else rng.choice(general)
        source_id = rng.randint(1, SOURCES)
        published = CORPUS_START + dt.timedelta(seconds=rng.uniform(0, CORPUS_DAYS * 86400))
        title, body = vary_text(base, rng)
        url = f"https://{slug(sources[source_id - 1])}.example/{published:%Y/%m/%d}/" \
              f"{slug(title)[:60]}-{document_id}"
        docs.add((document_id, url, url, source_id, "page", published))
        n_versions = 2 if rng.random() < VERSIONS_PER_DOCUMENT - 1 else 1
        previous: int | None = None
        for version_no in range(1, n_versions + 1):
            if ids.version >= size:
                break
            ids.version += 1
            version_id = ids.version
            if version_no > 1:
                added = f"This article was updated on {published + dt.timedelta(hours=3):%d %B}."
                body = body + "\n\n" + added
            fetched = published + dt.timedelta(minutes=rng.randint(5, 600) * version_no)
            vers.add((version_id, document_id, version_no, sha256_text(body), fingerprint(title, body),
                      title, body, None, published, "metadata", fetched))
            if previous is not None:
                diffs.add((version_id, previous, False, 1, 0, [added], [],
                           f"@@ -1 +1 @@\n+{added}", False))
            previous = version_id
            write_derived(locals_for_derived(
                version_id, body, base, rng, entities, extractor, threads, slots,
                slots_by_thread, sources[source_id - 1], published),
                mentions, claims, extractions, relevance, observations)
            for stage, stage_version in stages.items():
                runs.add((version_id, stage, stage_version, "done"))
        # the copy signature of the document's latest version, in a story cluster
        if cluster_of and rng.random() < COPY_SHARE:
            original, bands, original_at = rng.choice(cluster_of[-200:])
            kind = rng.choice(["exact", "near_duplicate", "near_duplicate", "spun"])
            score = 1.0 if kind == "exact" else round(rng.uniform(0.6, 0.98), 3)
            when = max(published, original_at + dt.timedelta(minutes=1))
            if original != document_id:
                copies.add((document_id, original, kind, score, score, score, score, score,
                            score, previous))
        else:
            bands = [rng.getrandbits(62) for _ in range(16)]
            when = published
            cluster_of.append((document_id, bands, published))
        shingles = [rng.getrandbits(61) for _ in range(596)]
        signatures.add((
            document_id, previous, when, sha256_text(str(document_id)), 600,
            shingles, bands + shingles[:114], [rng.getrandbits(61) for _ in range(60)],
            [rng.getrandbits(61) for _ in range(64)], [rng.getrandbits(62) for _ in range(16)],
            [rng.getrandbits(62) for _ in range(rng.randint(0, 30))],
            [str(rng.randint(1, 5000)) for _ in range(rng.randint(2, 12))],
            [rng.getrandbits(62) for _ in range(rng.randint(10, 40))]))
    for copier in (docs, vers, diffs, extractions, mentions, claims, relevance, observations,
                   runs, signatures, copies):
        copier.flush()
    with conn.cursor() as cur:
        for table, column in (("sources", "source_id"), ("documents", "document_id"),
                              ("document_versions", "document_version_id"),
                              ("entities", "entity_id"), ("claims", "claim_id"),
                              ("observations", "observation_id")):
            cur.execute(SQL("select setval(pg_get_serial_sequence(%s, %s), "
                            "(select coalesce(max({}), 1) from {}))").format(
                                Identifier(column), Identifier(table)), (table, column))
    conn.commit()
    log.info("corpus of %d versions written in %.1f s", size, time.perf_counter() - t0)


def slug(text: str) -> str:
    """Lowercase words joined by hyphens, for made-up URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass(frozen=True, slots=True)
class Derived:
    version_id: int
    evidence: list[str]
    base: BaseText
    rng: random.Random
    entities: list[tuple[int, str, str]]
    extractor: str
    threads: dict[str, int]
    slots: dict[str, tuple[int, int, str]]
    slots_by_thread: dict[str, list[str]]
    outlet: str
    body_chars: int


def locals_for_derived(version_id: int, body: str, base: BaseText, rng: random.Random,
                       entities: list[tuple[int, str, str]], extractor: str,
                       threads: dict[str, int], slots: dict[str, tuple[int, int, str]],
                       slots_by_thread: dict[str, list[str]], outlet: str,
                       _published: dt.datetime) -> Derived:
    """What write_derived needs to know about one version."""
    return Derived(version_id, sentences(body), base, rng, entities, extractor, threads, slots,
                   slots_by_thread, outlet, len(body))


def _count(rng: random.Random, mean: float) -> int:
    return max(0, int(rng.gauss(mean, mean / 3) + 0.5))


def _entity(rng: random.Random, entities: list[tuple[int, str, str]]) -> tuple[int, str, str]:
    # a few entities are everywhere (the United States, Russia), most are rare: a skewed pick
    return entities[int(len(entities) * rng.random() ** 3)]


def write_derived(d: Derived, mentions: Copier, claims: Copier, extractions: Copier,
                  relevance: Copier, observations: Copier) -> None:
    """Entity mentions, claims, extraction, relevance and observations of one version."""
    rng, v = d.rng, d.version_id
    position = 0
    for i in range(_count(rng, MENTIONS_PER_VERSION)):
        position += rng.randint(8, 160)
        if rng.random() < 0.1:
            text = rng.choice(["Friday", "last week", "$2 billion", "in January", "2022"])
            mentions.add((v, position, position + len(text), None, "DATE", "DATE", "value",
                          text, i // 3, d.extractor))
        else:
            entity_id, name, etype = _entity(rng, d.entities)
            how = "surname" if etype == "PERSON" and rng.random() < 0.3 else "ner"
            text = name.split()[-1] if how == "surname" else name
            mentions.add((v, position, position + len(text), entity_id, etype, etype, how,
                          text, i // 3, d.extractor))
        position += 40
    position = 0
    for _ in range(_count(rng, CLAIMS_PER_VERSION)):
        position += rng.randint(20, 300)
        sentence_index = rng.randrange(len(d.evidence))
        evidence = d.evidence[sentence_index][:600]
        kind = rng.choices(["quote", "reported_speech", "quantity", "status"],
                           weights=[25, 25, 35, 15])[0]
        speaker = _entity(rng, d.entities) if rng.random() < 0.6 else None
        attribution = ("speaker" if speaker else
                       rng.choice(["cited_source", "narrator", "unattributed"]))
        attributed_to = speaker[1] if speaker else (d.outlet if attribution == "narrator" else
                                                    "a U.S. official" if attribution ==
                                                    "cited_source" else None)
        num = unit = qualifier = None
        if kind == "quantity":
            num = float(rng.choice([8500, 100000, 130000, 60, 3197, 2, 40, 1500]))
            unit = rng.choice(["troops", "percent", "kg", "people", "dollars"])
            qualifier = rng.choice([None, None, "approx", "at_least"])
        claims.add((v, kind, position, position + len(evidence) // 2, evidence[:200],
                    speaker[0] if speaker else None, None, attribution, attributed_to,
                    rng.choice(REPORTING) if kind != "quantity" else None, num, None, None,
                    unit, qualifier, False if kind == "status" else None, evidence,
                    sentence_index, d.extractor))
        position += len(evidence)
    extractions.add((v, d.extractor, "en_core_web_sm", min(d.body_chars, 100_000), False,
                     round(rng.random() * 0.1, 3), []))
    for slug_, thread_id in d.threads.items():
        on_thread = d.base.thread == slug_
        score = round(rng.uniform(0.5, 1.0), 3) if on_thread else round(rng.uniform(0, 0.2), 3)
        relevance.add((v, thread_id, score, on_thread,
                       json.dumps([["ukraine" if "ukraine" in slug_ else "iran", 3]]
                                  if on_thread else []),
                       "[]", "matched terms" if on_thread else "no thread terms"))
        if not on_thread:
            continue
        used: set[tuple[int, str]] = set()
        for _ in range(max(1, _count(rng, OBSERVATIONS_PER_RELEVANT))):
            slot = rng.choice(d.slots_by_thread[slug_])
            slot_id = d.slots[slot][0]
            if slot in STATES:
                state = rng.choice(STATES[slot])
                value = (state, None, None, None, state)
                key = state
            else:
                value = rng.choice(SLOT_VALUES[slot])
                key = (f"{value[3] or 'exact'}:{'' if value[2] is None else f'{value[2]:.6g}'}:"
                       f"{value[1]:.6g}")
            party = rng.choice(PARTIES.get(slot, [None]))
            line = party or f"outlet:{d.outlet}"
            if (slot_id, line) in used:
                continue
            used.add((slot_id, line))
            sentence_index = rng.randrange(len(d.evidence))
            observations.add((slot_id, v, key, value[0], value[1], value[2], value[3], value[4],
                              party or d.outlet, party, line, d.evidence[sentence_index][:600],
                              sentence_index))


# --- bulk-load indexes -------------------------------------------------------------------

BULK_TABLES = ("document_versions", "entity_mentions", "claims", "thread_relevance",
               "observations", "copy_signatures", "story_copies", "stage_runs",
               "version_extractions", "documents", "version_diffs")
SECONDARY_INDEXES = """
select ic.relname, pg_get_indexdef(i.indexrelid)
from pg_index as i
join pg_class as c on c.oid = i.indrelid
join pg_class as ic on ic.oid = i.indexrelid
where c.relname = any(%s) and not i.indisprimary and not i.indisunique
  and not exists (select 1 from pg_constraint as k where k.conindid = i.indexrelid)
"""


def drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop the non-key indexes of the bulk tables (rebuilt once after COPY: far faster)."""
    with conn.cursor() as cur:
        cur.execute(SECONDARY_INDEXES, (list(BULK_TABLES),))
        found = cur.fetchall()
        for name, _definition in found:
            cur.execute(SQL("drop index {}").format(Identifier(name)))
    conn.commit()
    return [definition for _name, definition in found]


def create_indexes(conn: Connection, definitions: Iterable[str]) -> None:
    """Re-create the dropped indexes, then ANALYZE."""
    with conn.cursor() as cur:
        cur.execute("set maintenance_work_mem = '512MB'")
        for definition in definitions:
            cur.execute(definition)
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("vacuum analyze")
    conn.autocommit = False


# --- new articles and process --------------------------------------------------------------


def store_new_articles(conn: Connection, count: int = NEW_ARTICLES) -> list[int]:
    """Store `count` new real articles (and edits of some of them); their version ids."""
    report = ingest_paths(conn, fixture_paths()[:count])
    ids = [int(v) for v in report.new_versions]
    real = real_bodies()
    start = dt.datetime(2023, 1, 10, tzinfo=dt.UTC)
    stored: list[tuple[ArticleText, dt.datetime]] = []
    for i, (url, title, body) in enumerate(real):
        if len(ids) >= count:
            break
        published = start + dt.timedelta(hours=3 * i)
        article = ArticleText(identity=url, origin="page", body=body, title=title, url=url,
                              source=urlsplit(url).hostname, published_at=published)
        ids.append(store_article(conn, article).document_version_id)
        stored.append((article, published))
    for i, (article, published) in enumerate(stored):  # revisits: an edited second version
        if len(ids) >= count:
            break
        edited = article.body + f"\n\nThis article was updated on {published:%d %B %Y} " \
                                f"with a correction to paragraph {i % 5 + 2}."
        ids.append(store_article(conn, ArticleText(
            identity=article.identity, origin="page", body=edited, title=article.title,
            url=article.url, source=article.source, published_at=published)).document_version_id)
    return ids


def process_timed(conn: Connection, only_ids: list[int]) -> dict[str, float]:
    """Run every registered stage over pending versions, as `process` does; seconds per stage.

    The corpus is recorded as processed, so what is pending is exactly the new versions
    (`only_ids` is checked, not passed: `process` claims without it).
    """
    seconds: dict[str, float] = {}
    for factory in pipeline.STAGE_FACTORIES:
        stage = factory()
        t0, c0 = time.perf_counter(), time.process_time()
        counts = stagework.run_stage(conn, stage)
        seconds[stage.name + " (cpu)"] = time.process_time() - c0
        handled = counts.done + counts.skipped + counts.failed
        if handled != len(only_ids):
            log.warning("stage %s handled %d versions, not the %d new ones", stage.name,
                        handled, len(only_ids))
        seconds[stage.name] = time.perf_counter() - t0
        log.info("stage %s: %s in %.1f s", stage.name, counts.as_dict(), seconds[stage.name])
        if counts.failed:
            log.warning("stage %s failures: %s", stage.name, counts.failures[:3])
    return seconds


def warm_up_models(conn: Connection) -> None:
    """Build each stage once so model loading is not counted as processing."""
    for factory in pipeline.STAGE_FACTORIES:
        stage = factory()
        stage.prepare([stagework.PendingVersion(0, 0, 1, "Warm up", "Warm up the model. " * 20,
                                               None, dt.datetime.now(dt.UTC))])


# --- analyst queries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    sql: str
    params: Callable[[Connection], dict[str, object]]


def _one(conn: Connection, sql: str) -> object:
    with conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    return row[0] if row else None


def _busiest_slot(conn: Connection) -> dict[str, object]:
    with conn.cursor() as cur:
        cur.execute("select t.slug, s.slot from observations as o "
                    "join thread_slots as s using (thread_slot_id) "
                    "join threads as t using (thread_id) "
                    "group by 1, 2 order by count(*) desc limit 1")
        slug_, slot = cur.fetchone()  # type: ignore[misc]
        cur.execute("select count(*) from observations as o "
                    "join thread_slots as s using (thread_slot_id) "
                    "join threads as t using (thread_id) where t.slug = %s and s.slot = %s",
                    (slug_, slot))
        count = int(cur.fetchone()[0])  # type: ignore[index]
    # a page from the middle of the busiest slot's timeline, read backwards from a position
    # as an analyst paging through it would (keyset paging: the page costs the same anywhere)
    return {"thread": slug_, "slot": slot, "before": count // 2}


QUERIES = [
    Query("latest developments for a thread", """
        select development_id, slot, kind, value_text, previous_value_text, attributed_to,
               published_at, url, title, source, evidence, status
        from v_developments
        where thread_slug = %(thread)s and status <> 'dismissed'
        order by ordered_at desc, development_id desc
        limit 20
    """, lambda c: {"thread": "ukraine-buildup"}),
    Query("a page of a slot's timeline", """
        select published_at, value_text, value_num, qualifier, attributed_to, url, evidence,
               development_id, timeline_position
        from thread_timeline_page(%(thread)s, %(slot)s, %(before)s, 100)
    """, _busiest_slot),
    Query("thread state", """
        select slot, value_text, value_num, qualifier, since, source_count, last_observed_at
        from v_thread_state
        where thread_slug = %(thread)s
        order by slot
    """, lambda c: {"thread": "ukraine-buildup"}),
    Query("an article's versions", """
        select document_version_id, version_no, title, fetched_at, published_at, is_trivial,
               sentences_added, sentences_removed, diff, is_current
        from v_article_versions
        where url = %(url)s
        order by version_no
    """, lambda c: {"url": _one(c, "select d.url from documents as d join document_versions "
                                   "as v using (document_id) where v.version_no = 2 "
                                   "order by d.document_id desc limit 1")}),
    Query("copies of a story", """
        select document_id, url, title, source, kind, score
        from v_story_copies
        where copy_of_document_id = %(document_id)s
        order by score desc
    """, lambda c: {"document_id": _one(c, "select copy_of_document_id from story_copies "
                                           "group by 1 order by count(*) desc limit 1")}),
]


@dataclass(frozen=True, slots=True)
class Latency:
    name: str
    median_ms: float
    p95_ms: float
    rows: int


def time_queries(conn: Connection, size: int) -> list[Latency]:
    """50 runs of each analyst query (after one warm run); plans saved under bench/out/scale/."""
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for query in QUERIES:
        params = query.params(conn)
        with conn.cursor() as cur:
            cur.execute(query.sql, params)
            rows = len(cur.fetchall())
            times = []
            for _ in range(QUERY_RUNS):
                t0 = time.perf_counter()
                cur.execute(query.sql, params)
                cur.fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            cur.execute(SQL("explain (analyze, buffers) {}").format(SQL(query.sql)), params)
            plan = "\n".join(r[0] for r in cur.fetchall())
        conn.rollback()
        (OUT / f"{size}-{slug(query.name)}.txt").write_text(
            f"-- {query.name} at {size} versions; params {params}\n{query.sql}\n{plan}\n",
            encoding="utf-8")
        results.append(Latency(query.name, benchkit.median(times),
                               benchkit.percentile(times, 0.95), rows))
    return results


# --- the run -------------------------------------------------------------------------------

COUNT_TABLES = ("documents", "document_versions", "version_diffs", "entities", "entity_mentions",
                "claims", "version_extractions", "thread_relevance", "observations",
                "developments", "development_reviews", "thread_state", "copy_signatures",
                "story_copies", "stage_runs")


def row_counts(conn: Connection) -> dict[str, int]:
    """Exact rows per table."""
    counts = {}
    with conn.cursor() as cur:
        for table in COUNT_TABLES:
            cur.execute(SQL("select count(*) from {}").format(Identifier(table)))
            counts[table] = int(cur.fetchone()[0])  # type: ignore[index]
    return counts


@dataclass(frozen=True, slots=True)
class SizeResult:
    size: int
    build_seconds: float
    counts: dict[str, int]
    new_rows: dict[str, int]
    database_bytes: int
    new_versions: int
    stage_seconds: dict[str, float]
    latencies: list[Latency]
    # one replay of the slot with the most observations: observations, wall and CPU seconds
    # (median of REPLAY_RUNS); absent from results saved before it was measured
    busiest_replay: dict[str, float] | None = None


REPLAY_RUNS = 3


def time_busiest_replay(conn: Connection) -> dict[str, float]:
    """Replay the slot with the most observations as the end of a run does (load, replay,
    compare and write), rolled back each time: its observations, median wall and CPU."""
    from storywatch.tracking.stage import recompute_slot

    with conn.cursor() as cur:
        cur.execute("select thread_slot_id, count(*) from observations"
                    " group by 1 order by 2 desc limit 1")
        row = cur.fetchone()
    if row is None:
        return {"observations": 0, "wall_seconds": 0.0, "cpu_seconds": 0.0}
    walls, cpus = [], []
    for _ in range(REPLAY_RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        recompute_slot(conn, int(row[0]))
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - t0)
        conn.rollback()
    return {"observations": int(row[1]), "wall_seconds": statistics.median(walls),
            "cpu_seconds": statistics.median(cpus)}


def settle_queue(conn: Connection) -> None:
    """Register the pipeline's stages and empty the queue of what they all ran on, as a
    database that processed its corpus holds them (the corpus was written with COPY)."""
    stagework.register_stages(conn, list(stage_versions()))
    stagework.forget_finished_versions(conn)


def run_size(size: int, bases: list[BaseText], keep: bool) -> SizeResult:
    """Build the corpus of `size` versions, process the new articles, time the queries."""
    from storywatch.tracking.stage import recompute_all
    from storywatch.tracking.sync import sync_seed_threads

    name = f"{DATABASE}_{size}"
    with benchkit.scratch_database(name, keep=keep) as url:
        conn = connect(url, application_name="bench-scale")
        migrate.upgrade(conn, REPO / "sql")
        sync_seed_threads(conn, REPO / "seeds")
        conn.commit()
        t0 = time.perf_counter()
        definitions = drop_secondary_indexes(conn)
        build_corpus(conn, size, bases, random.Random(size))
        create_indexes(conn, definitions)
        recompute_all(conn)
        settle_queue(conn)
        build_seconds = time.perf_counter() - t0
        log.info("size %d: corpus ready in %.1f s", size, build_seconds)
        before = row_counts(conn)
        ids = store_new_articles(conn)
        warm_up_models(conn)
        stage_seconds = process_timed(conn, ids)
        counts = row_counts(conn)
        new_rows = {t: counts[t] - before[t] for t in counts}
        result = measure(conn, size, build_seconds, new_rows, ids, stage_seconds)
        conn.close()
    return result


def measure(conn: Connection, size: int, build_seconds: float, new_rows: dict[str, int],
            ids: list[int], stage_seconds: dict[str, float]) -> SizeResult:
    """Counts, size and query latencies of a processed corpus; saved as JSON under bench/out."""
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("analyze")
        cur.execute("select pg_database_size(current_database())")
        db_bytes = int(cur.fetchone()[0])  # type: ignore[index]
    conn.autocommit = False
    counts = row_counts(conn)
    latencies = time_queries(conn, size)
    replay = time_busiest_replay(conn)
    result = SizeResult(size, build_seconds, counts, new_rows, db_bytes, len(ids),
                        stage_seconds, latencies, replay)
    OUT.mkdir(parents=True, exist_ok=True)
    saved = asdict(result) | {"new_ids": ids}
    (OUT / f"result-{size}.json").write_text(json.dumps(saved, indent=1), encoding="utf-8")
    return result


def load_result(size: int) -> tuple[SizeResult, list[int]]:
    """A size's figures as saved by its last run."""
    data = json.loads((OUT / f"result-{size}.json").read_text(encoding="utf-8"))
    ids = data.pop("new_ids")
    data["latencies"] = [Latency(**lat) for lat in data["latencies"]]
    return SizeResult(**data), ids


def rerun_size(size: int, reprocess: bool) -> SizeResult:
    """On a kept corpus: apply new migrations and views, optionally reprocess, re-measure."""
    old, ids = load_result(size)
    url = benchkit.with_database(benchkit.server_url(), f"{DATABASE}_{size}")
    conn = connect(url, application_name="bench-scale")
    migrate.upgrade(conn, REPO / "sql")
    stage_seconds = old.stage_seconds
    if reprocess:
        with conn.cursor() as cur:
            cur.execute("delete from stage_runs where document_version_id = any(%s)", (ids,))
            # The synthetic corpus stands for versions already processed: a stage version bumped
            # since it was built must not make all of it pending (only the new articles are
            # timed), so its runs are recorded at the stages' current versions.
            for stage, version in stage_versions().items():
                cur.execute("update stage_runs set stage_version = %s"
                            " where stage = %s and stage_version <> %s", (version, stage, version))
        conn.commit()
        settle_queue(conn)
        warm_up_models(conn)
        stage_seconds = process_timed(conn, ids)
    result = measure(conn, size, old.build_seconds, old.new_rows, ids, stage_seconds)
    conn.close()
    return result


def report(results: list[SizeResult]) -> str:
    """The markdown section for RESULTS.md (also printed)."""
    sizes = [r.size for r in results]
    out = ["## Scale: corpus size against process cost and analyst query latency", ""]
    rows = [[t] + [f"{r.counts[t]:,}" for r in results] for t in COUNT_TABLES]
    rows.append(["**database size**"] + [f"{r.database_bytes / 2**20:,.0f} MB" for r in results])
    rows.append(["corpus build (COPY, indexes, slot replay)"]
                + [f"{r.build_seconds:,.0f} s" for r in results])
    out += ["Rows per table after the new articles were processed:", "",
            benchkit.markdown_table(["table"] + [f"{s:,} versions" for s in sizes], rows), ""]
    base = results[0]
    stage_names = [n for n in base.stage_seconds if not n.endswith(" (cpu)")]
    rows = []
    for suffix, label in (("", "wall"), (" (cpu)", "CPU of the process")):
        for name in stage_names + ["total"]:
            row: list[object] = [f"{name}, {label}"]
            for r in results:
                wanted = [n + suffix for n in stage_names] if name == "total" else [name + suffix]
                if not all(w in r.stage_seconds for w in wanted):
                    row.append("n/a")
                    continue
                per = sum(r.stage_seconds[w] for w in wanted) / r.new_versions * 1000
                ref_sec = sum(base.stage_seconds.get(w, 0.0) for w in wanted)
                ref = ref_sec / base.new_versions * 1000
                change = f" ({(per / ref - 1) * 100:+.0f}%)" if r is not base and ref else ""
                row.append(f"{per:.1f} ms{change}")
            rows.append(row)
    rows.append(["replay of the busiest slot (observations): wall / CPU of the process"]
                 + [_replay_cell(r.busiest_replay) for r in results])
    out += [f"`process` over the same {base.new_versions} new real article versions "
            "(milliseconds per version; change against the smallest corpus; wall time, and the "
            "CPU time of the Python process, which the other jobs on a shared machine do not "
            "inflate but which leaves out PostgreSQL's own work):", "",
            benchkit.markdown_table(["stage"] + [f"{s:,} versions" for s in sizes], rows), ""]
    per_new = [[t, f"{base.new_rows[t] / base.new_versions:.2f}"] for t in
               ("entity_mentions", "claims", "thread_relevance", "observations",
                "developments")]
    synthetic = [base.counts[t] / base.counts["document_versions"] for t in
                 ("entity_mentions", "claims", "thread_relevance", "observations",
                  "developments")]
    out += ["Rows the real stages wrote per new article, beside the synthetic corpus's rows "
            "per version (the proportions check):", "",
            benchkit.markdown_table(["table", "real, per new version", "corpus, per version"],
                                    [row + [f"{s:.2f}"] for row, s in zip(per_new, synthetic, strict=True)]),
            ""]
    rows = []
    for i, lat in enumerate(base.latencies):
        row = [lat.name]
        for r in results:
            q = r.latencies[i]
            flag = "" if q.p95_ms < 50 else " **over 50 ms**"
            row.append(f"{q.median_ms:.1f} / {q.p95_ms:.1f} ms ({q.rows} rows){flag}")
        rows.append(row)
    out += [f"Analyst queries through the views, median / p95 of {QUERY_RUNS} runs "
            "(plans: bench/out/scale/SIZE-QUERY.txt):", "",
            benchkit.markdown_table(["query"] + [f"{s:,} versions" for s in sizes], rows)]
    return "\n".join(out)


def _replay_cell(replay: dict[str, float] | None) -> str:
    if not replay:
        return "n/a"
    return (f"{replay['wall_seconds'] * 1000:,.0f} / {replay['cpu_seconds'] * 1000:,.0f} ms "
            f"({int(replay['observations']):,})")


def main(argv: Sequence[str] | None = None) -> int:
    """Build each corpus size, measure, print and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated corpus sizes in document versions")
    parser.add_argument("--quick", action="store_true", help="1k and 10k only (a few minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md")
    parser.add_argument("--remeasure", action="store_true",
                        help="on corpora kept by --keep: upgrade, re-time the queries")
    parser.add_argument("--reprocess", action="store_true",
                        help="with --remeasure: process the new articles again, timed")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the figures saved under bench/out/scale")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("storywatch.sources.ingest", "storywatch.store.migrate", "storywatch.store.articles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if args.report_only:
        results = [load_result(size)[0] for size in sizes]
    elif args.remeasure:
        results = [rerun_size(size, args.reprocess) for size in sizes]
    else:
        bases = base_texts()
        results = [run_size(size, bases, args.keep) for size in sizes]
    text = report(results)
    print(text)
    if not args.no_results:
        benchkit.write_section("scale-quick" if args.quick else "scale", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
