"""Quotes and reported speech: speakers, spun reporting verbs, split quotes, hostile marks."""
from __future__ import annotations

import re
import time
from typing import Any

import pytest

from storywatch.language import nlp, quotes
from storywatch.language.entities import find_entities
from storywatch.language.quotes import SpeechClaim, find_quote_spans, find_speech
from storywatch.settings import REPO_ROOT

SEED = REPO_ROOT / "seeds" / "000_d3ec237e47cabcad.txt"
SPUN_VERBS = {"mention", "mentioned", "advise", "advised", "remind", "reminded", "counsel",
              "counselled", "counseled", "famous", "acknowledged", "emphasised"}


def speech_of(text: str) -> list[SpeechClaim]:
    doc = next(nlp.parse_texts([text]))
    return find_speech(doc, find_entities(doc))


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.replace("’", "'").casefold()).split())


def speaker_hits(claims: list[SpeechClaim], gold: list[dict[str, Any]]) -> int:
    by_text = {fold(c.text): c for c in claims if c.kind == "quote"}
    hits = 0
    for item in gold:
        claim = by_text.get(fold(item["quote"]))
        label = claim.speaker.label if claim and claim.speaker else ""
        wanted = item["speaker"].replace(" (unnamed)", "").replace("'", "’")
        hits += label == wanted
    return hits


@pytest.fixture(scope="module")
def seed_speech() -> list[SpeechClaim]:
    return speech_of(SEED.read_text(encoding="utf-8"))


def test_seed_quotes_get_their_speakers(seed_speech: list[SpeechClaim], seed_gold: dict) -> None:
    assert speaker_hits(seed_speech, seed_gold["direct_quotes"]) >= 17


def test_without_spun_verbs_the_seed_quotes_lose_their_speakers(
    seed_gold: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotes, "REPORTING_VERBS", quotes.REPORTING_VERBS - SPUN_VERBS)
    claims = speech_of(SEED.read_text(encoding="utf-8"))
    assert speaker_hits(claims, seed_gold["direct_quotes"]) <= 4


def test_quote_split_across_sentences_keeps_its_speaker() -> None:
    claims = speech_of("“They are adding capability every day,” the official said. "
                       "“It is not slowing down.”")
    quoted = [c for c in claims if c.kind == "quote"]
    assert [c.speaker.label for c in quoted if c.speaker] == ["the official", "the official"]
    assert quoted[1].speaker and quoted[1].speaker.how == "continuation"


def test_speaker_after_the_verb_and_before_it() -> None:
    claims = speech_of("“We are ready,” said Josep Borrell, the EU foreign policy chief. "
                       "Josep Borrell said: “A final text is on the table.”")
    assert [c.speaker.label for c in claims if c.kind == "quote" and c.speaker] == [
        "Josep Borrell", "Josep Borrell"]


def test_pronoun_speaker_is_the_nearest_preceding_person() -> None:
    claims = speech_of("Joe Biden spoke at the White House on Tuesday. Dmitry Peskov had spoken "
                       "earlier. “Russia is not threatening anyone,” he said.")
    quote = next(c for c in claims if c.kind == "quote")
    assert quote.speaker and quote.speaker.name == "Dmitry Peskov"
    assert quote.speaker.how == "pronoun"


def test_unnamed_sources_are_described() -> None:
    claims = speech_of("“Nothing has changed,” a U.S. official said on Sunday.")
    quote = next(c for c in claims if c.kind == "quote")
    assert quote.speaker and quote.speaker.name is None
    assert quote.speaker.described == "a U.S. official"


def test_reported_speech_has_its_speaker_and_clause(seed_speech: list[SpeechClaim]) -> None:
    reported = {c.speaker.label: c.text for c in seed_speech
                if c.kind == "reported_speech" and c.speaker}
    assert reported["Western officers"].startswith("Putin might launch an invasion")
    assert reported["Diplomats"].startswith("they might have just a few weeks left")
    assert "Russia continues" not in reported  # sanity: keyed by speaker label
    assert "Russian Defense Ministry" in reported


def test_according_to_names_the_cited_source() -> None:
    claims = speech_of("Russia has 100,000 troops near Ukraine, according to U.S. officials. "
                       "“It is a threat,” Austin said, according to a transcript.")
    quote = next(c for c in claims if c.kind == "quote")
    assert quote.cited_source == "a transcript"


def test_unclosed_quotation_marks_end_with_their_paragraph() -> None:
    text = "He said “this never closes\nA new paragraph “and neither does this"
    spans = find_quote_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["this never closes", "and neither does this"]
    assert not any(s.closed for s in spans)


def test_a_text_full_of_open_quotes_is_paired_in_linear_time() -> None:
    def text_of(n: int) -> str:
        return ("“open " * n) + "\n" + ('"a" ' * n)

    def fastest(text: str) -> float:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            find_quote_spans(text)
            timings.append(time.perf_counter() - started)
        return min(timings)

    # Four times the text takes about four times as long (quadratic pairing would take
    # sixteen): a ratio, so a busy machine does not fail it.
    small, large = fastest(text_of(5_000)), fastest(text_of(20_000))
    assert large < 8 * small + 0.05
    text = text_of(20_000)
    spans = find_quote_spans(text)
    # the first paragraph is one unclosed "quote" longer than any quote: none is kept
    assert len(spans) == 20_000
    assert max(s.end - s.start for s in spans) <= quotes.MAX_QUOTE_CHARS
