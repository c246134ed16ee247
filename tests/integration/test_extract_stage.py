"""`storywatch process` and the extract stage against a real database."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from storywatch import stages as pipeline
from storywatch.cli import main as cli
from storywatch.extraction.stage import ExtractStage
from storywatch.settings import REPO_ROOT
from storywatch.sources.ingest import ingest_paths
from storywatch.store.articles import ArticleText, store_article
from storywatch.store.db import Connection
from storywatch.store.stagework import PendingVersion, run_stage
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

SEED = REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt"
V_CLAIMS_CONTRACT = ["claim_id", "document_version_id", "kind", "speaker", "text", "value_num",
                     "value_low", "value_high", "unit", "qualifier", "negated", "modality",
                     "evidence"]


@pytest.fixture(autouse=True)
def alias_seeds(conn: Connection) -> None:
    """The seed aliases of migration 0022 (other tests' truncation empties every table)."""
    sql = (REPO_ROOT / "sql" / "migrations" / "0022_seed_entity_aliases.sql").read_text()
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.commit()


def store(conn: Connection, body: str, identity: str, title: str | None = "A title",
          source: str | None = "Example Wire") -> int:
    stored = store_article(conn, ArticleText(
        identity=identity, origin="file", body=body, title=title, source=source,
        published_at=dt.datetime(2022, 2, 13, tzinfo=dt.UTC)))
    return stored.document_version_id


def rows(conn: Connection, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.fixture
def seeded(conn: Connection) -> int:
    ingest_paths(conn, [SEED])
    counts = run_stage(conn, ExtractStage())
    assert counts.as_dict() == {"done": 1, "skipped": 0, "failed": 0}
    return int(rows(conn, "select document_version_id from document_versions")[0][0])


def test_process_fills_entities_claims_and_views(conn: Connection, seeded: int) -> None:
    entities = dict(((e, t), n) for e, t, n in rows(
        conn, "select entity, type, name_count from v_entities where document_version_id = %s",
        (seeded,)))
    assert entities[("Ebrahim Raisi", "PERSON")] == 17
    assert entities[("Vladimir Putin", "PERSON")] == 17
    linked = dict(rows(conn, """select entity, linked_count from v_entities
                                where document_version_id = %s""", (seeded,)))
    assert linked["Ebrahim Raisi"] > 0  # "he", "the Iranian president" linked to him
    assert entities[("United States", "GPE")] == 6
    assert entities[("Russian Ministry of Defence", "ORG")] == 1
    kinds = dict(rows(conn, "select kind, count(*) from v_claims group by kind"))
    assert kinds["quote"] == 18 and kinds["quantity"] >= 8 and kinds["status"] > 0
    assert kinds["reported_speech"] >= 10
    spin = rows(conn, "select spin_score, model from version_extractions")
    assert spin[0][0] >= 0.9 and spin[0][1].startswith("en_core_web_sm")


def test_views_keep_their_contract_and_keys(conn: Connection, seeded: int) -> None:
    columns = [r[0] for r in rows(conn, """
        select column_name from information_schema.columns
        where table_name = 'v_claims' order by ordinal_position""")]
    assert [c for c in columns if c in V_CLAIMS_CONTRACT] == V_CLAIMS_CONTRACT
    assert rows(conn, """
        select count(*) - count(distinct (document_version_id, entity_id)),
               count(*) filter (where entity is null or type is null or mention_count < 1)
        from v_entities""") == [(0, 0)]
    assert rows(conn, """
        select count(*) - count(distinct claim_id),
               count(*) filter (where kind not in ('quote', 'reported_speech', 'quantity',
                                                   'status')),
               count(*) filter (where evidence is null or evidence = '')
        from v_claims""") == [(0, 0, 0)]


def test_narrator_claims_are_attributed_to_the_outlet(conn: Connection) -> None:
    store(conn, "Russia has massed some 100,000 troops near Ukraine. U.S. officials said "
          "they expected more. “We are watching,” a spokesman said.", "a1")
    run_stage(conn, ExtractStage())
    claims = rows(conn, """
        select kind, speaker, attribution, attributed_to, value_num, unit, qualifier
        from v_claims order by start_char, kind""")
    figure = next(c for c in claims if c[0] == "quantity")
    assert figure == ("quantity", None, "narrator", "Example Wire", 100000.0, "troops", "approx")
    quote = next(c for c in claims if c[0] == "quote")
    assert quote[1:4] == ("a spokesman", "speaker", "a spokesman")


def test_repeated_names_and_announced_quotes_are_stored(conn: Connection) -> None:
    store(conn, "Group B — Norway 2 – 1 Chile\n"
          "In the opening game, Norway faced Chile in Bergen. Norway scored twice.\n"
          "“We will reopen the line by spring,” said rail director Pavel Oduya. "
          "Councillor Maria Lindqvist issued a statement on the closure. "
          "“Commuters have paid for this failure twice already.”", "a2")
    counts = run_stage(conn, ExtractStage())
    assert counts.as_dict() == {"done": 1, "skipped": 0, "failed": 0}
    assert rows(conn, "select count(*) from entity_mentions where how = 'repeat'")[0][0] == 2
    links = rows(conn, "select speaker_link from claims where kind = 'quote' order by start_char")
    assert links == [("name",), ("announcement",)]
    names = rows(conn, "select name_count from v_entities where entity = 'Norway'")
    assert names == [(3,)]


def test_running_twice_adds_no_row_and_keeps_ids(conn: Connection, seeded: int) -> None:
    before = {t: count_rows(conn, t) for t in ("claims", "entity_mentions", "entities")}
    ids = rows(conn, "select claim_id, kind, start_char from claims order by claim_id")
    again = run_stage(conn, ExtractStage())
    assert again.as_dict() == {"done": 0, "skipped": 0, "failed": 0}
    # forcing the same extractor version through write again changes nothing either
    stage = ExtractStage()
    version = _pending(conn, seeded)
    stage.write(conn, version, stage.prepare([version])[0])
    conn.commit()
    assert {t: count_rows(conn, t) for t in before} == before
    assert rows(conn, "select claim_id, kind, start_char from claims order by claim_id") == ids


def test_new_extractor_version_replaces_the_rows(conn: Connection, seeded: int) -> None:
    old_count = count_rows(conn, "claims")
    stage = ExtractStage()
    stage.version = "2+test"
    counts = run_stage(conn, stage)
    assert counts.done == 1
    assert rows(conn, "select distinct extractor_version from claims") == [("2+test",)]
    assert rows(conn, "select distinct extractor_version from entity_mentions") == [("2+test",)]
    assert count_rows(conn, "claims") == old_count


class FailingAfterWrite(ExtractStage):
    """A stage whose write breaks after replacing the rows: nothing of it may remain."""

    def write(self, conn: Connection, version: PendingVersion, prepared: object) -> None:
        super().write(conn, version, prepared)
        raise RuntimeError("disk full")


def test_failed_rewrite_leaves_the_previous_rows_intact(conn: Connection, seeded: int) -> None:
    before = rows(conn, "select claim_id, extractor_version from claims order by claim_id")
    stage = FailingAfterWrite()
    stage.version = "3+test"
    counts = run_stage(conn, stage)
    assert counts.failed == 1
    assert rows(conn, "select claim_id, extractor_version from claims order by claim_id") == before
    assert rows(conn, "select status, message from stage_runs") == [
        ("failed", "RuntimeError: disk full")]


def test_bare_surname_elsewhere_in_the_corpus_is_the_known_person(
        conn: Connection, seeded: int) -> None:
    # the model types this bare "Raisi" as a place; the corpus knows the person
    store(conn, "Officials said Raisi would meet Putin in Moscow.", "later")
    run_stage(conn, ExtractStage())
    found = rows(conn, """
        select e.entity, e.type from v_entities as e
        join document_versions as v using (document_version_id)
        join documents as d on d.document_id = v.document_id
        where d.identity = 'later' and e.type <> 'GPE' order by e.entity""")
    assert found == [("Ebrahim Raisi", "PERSON"), ("Vladimir Putin", "PERSON")]


def test_an_analyst_alias_applies_to_versions_processed_after_it(conn: Connection) -> None:
    with conn.cursor() as cur:
        cur.execute("insert into entities (name, type) values ('Iran', 'GPE')")
        cur.execute("""insert into entity_aliases (alias, entity_id)
                       select 'Islamic Republic', entity_id from entities where name = 'Iran'""")
    conn.commit()
    store(conn, "The Islamic Republic said on Monday that talks in Vienna would resume.", "ir")
    run_stage(conn, ExtractStage())
    names = {r[0] for r in rows(conn, "select entity from v_entities")}
    assert "Iran" in names and "Islamic Republic" not in names


def test_name_keys_ignore_case_periods_and_articles(conn: Connection) -> None:
    assert rows(conn, "select storywatch_name_key(%s), storywatch_name_key(%s)",
                ("The U.S.", "Russia’s  Defence")) == [("us", "russia's defence")]


@pytest.mark.slow
def test_hostile_bodies_are_processed_or_skipped_with_a_reason(conn: Connection) -> None:
    cases = {
        "empty": "",
        "huge": ("Russia said its troops were returning to base, the ministry said. " * 30
                 + "\n") * 1_050,  # about 2 MB
        "german": ("Die Gespräche in Wien über das Atomabkommen mit dem Iran wurden am Freitag "
                   "unterbrochen, nachdem Russland Garantien verlangt hatte, und die "
                   "Delegationen kehrten in ihre Hauptstädte zurück. ") * 5,
        "unclosed": "He said “this never ends and “neither does this, " * 400,
        "one_sentence": "and the talks went on " * 2_300,  # about 50,000 characters
    }
    ids = {name: store(conn, body, name, title=None) for name, body in cases.items()}
    counts = run_stage(conn, ExtractStage(max_chars=20_000))
    assert counts.failed == 0
    outcome = {r[0]: (r[1], r[2]) for r in rows(conn, """
        select d.identity, r.status, r.message from stage_runs as r
        join document_versions as v using (document_version_id)
        join documents as d on d.document_id = v.document_id""")}
    assert outcome["empty"][0] == "skipped" and "empty" in outcome["empty"][1]
    assert outcome["german"][0] == "skipped" and "not English" in outcome["german"][1]
    for name in ("huge", "unclosed", "one_sentence"):
        assert outcome[name] == ("done", None), name
    truncated = dict(rows(conn, "select document_version_id, truncated from version_extractions"))
    assert truncated[ids["huge"]] is True and truncated[ids["one_sentence"]] is True


def test_cli_process_prints_counts_and_fails_when_an_item_fails(
    conn: Connection, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store(conn, "Russia has massed some 100,000 troops near Ukraine.", "cli")
    monkeypatch.setenv("STORYWATCH_DATABASE_URL", database_url)
    assert cli.main(["process"]) == 0
    assert "extract: 1 done, 0 skipped, 0 failed" in capsys.readouterr().out
    store(conn, "A second article about Ukraine and Russia.", "cli2")
    monkeypatch.setattr(pipeline, "STAGE_FACTORIES", [FailingAfterWrite])
    assert cli.main(["process"]) == 1
    captured = capsys.readouterr()
    assert "extract: 0 done, 0 skipped, 1 failed" in captured.out
    assert "failed" in captured.err


def _pending(conn: Connection, version_id: int) -> PendingVersion:
    row = rows(conn, """
        select document_version_id, document_id, version_no, title, body, published_at,
               ordered_at
        from document_versions where document_version_id = %s""", (version_id,))[0]
    return PendingVersion(*row)


def test_claims_carry_the_resolved_speaker_how_it_was_linked_and_a_source(
        conn: Connection) -> None:
    store(conn, "LIMA, June 2 (Andes Wire) - Port workers walked out on Friday.\n"
          "Harbour authority spokeswoman Rosa Paucar said 40 ships were waiting.\n"
          "“We cannot load anything until Monday,” she told local radio.\n"
          "(Reporting by Ana Diaz; Editing by Tom Kell)", "a2")
    run_stage(conn, ExtractStage())
    quote = rows(conn, """
        select speaker, speaker_link, speaker_institution, attribution, attributed_to
        from v_claims where kind = 'quote'""")
    assert quote == [("Rosa Paucar", "pronoun", None, "speaker", "Rosa Paucar")]
    linked = rows(conn, """
        select m.text, m.how, e.name from entity_mentions as m
        join entities as e on e.entity_id = m.entity_id where m.how = 'pronoun'""")
    assert linked == [("she", "pronoun", "Rosa Paucar")]
    names = {r[0] for r in rows(conn, "select entity from v_entities")}
    assert not names & {"Andes Wire", "Ana Diaz", "Tom Kell"}  # wire furniture


def test_attributed_to_is_a_source_in_every_row(conn: Connection, seeded: int) -> None:
    gold = REPO_ROOT / "bench" / "extraction_gold"
    ingest_paths(conn, [gold])
    run_stage(conn, ExtractStage())
    bad = rows(conn, """
        select c.kind, c.attribution, c.attributed_to, c.speaker
        from v_claims as c
        where (c.attribution = 'unattributed') <> (c.attributed_to is null)
           or (c.attribution = 'speaker' and c.attributed_to is distinct from c.speaker)
           or array_length(regexp_split_to_array(c.attributed_to, ' '), 1) > 9
           or c.attributed_to ~ '[,;:]\\s*$'""")
    assert bad == []
