"""Status statements: subject, predicate, negation, modality, tense and date from the parse."""
from __future__ import annotations

import pytest
from storywatch.statuses import StatusClaim, find_statuses


def status(nlp, text: str, predicate: str) -> StatusClaim:
    found = [s for s in find_statuses(nlp(text)) if s.predicate == predicate]
    assert len(found) == 1, [(s.subject, s.predicate) for s in find_statuses(nlp(text))]
    return found[0]


@pytest.mark.parametrize(
    ("text", "predicate", "subject_head", "negated", "modality", "tense"),
    [
        ("Talks to revive the 2015 accord are floundering.", "flounder", "talk", False, None, "present"),
        ("Negotiations were paused on March 11.", "pause", "negotiation", False, None, "past"),
        ("Russia began returning some troops to bases.", "return", "russia", False, None, "past"),
        ("An invasion is underway.", "underway", "invasion", False, None, "present"),
        ("Russia invaded.", "invade", "russia", False, None, "past"),
        ("No deals were signed publicly.", "sign", "deal", True, None, "past"),
        ("Russia did not withdraw its forces.", "withdraw", "russia", True, None, "past"),
        ("Russia never withdrew its forces.", "withdraw", "russia", True, None, "past"),
        ("Moscow failed to reach a deal.", "reach", "moscow", True, None, "past"),
        ("Putin could launch an invasion at any time.", "launch", "putin", False, "possible", "present"),
        ("Russia might invade within days.", "invade", "russia", False, "possible", "present"),
        ("Russia threatened to invade Ukraine.", "invade", "russia", False, "threat", "past"),
        ("Talks will resume next week.", "resume", "talk", False, "future", "future"),
        ("A deal is expected to be signed soon.", "sign", "deal", False, "expected", "present"),
        ("Iran is likely to accept the text.", "accept", "iran", False, "expected", "present"),
        ("Will Russia invade?", "invade", "russia", False, "question", "future"),
    ],
)
def test_status_statements(nlp, text, predicate, subject_head, negated, modality, tense):
    found = status(nlp, text, predicate)
    assert (found.subject_head, found.negated, found.modality, found.tense) == (
        subject_head, negated, modality, tense)


def test_once_clause_is_hypothetical(nlp):
    found = status(nlp, "Once a deal is reached, sanctions will be lifted.", "reach")
    assert (found.modality, found.subject) == ("hypothetical", "a deal")


def test_if_clause_is_hypothetical_and_keeps_negation(nlp):
    found = status(nlp, "Iran will retaliate if Western sanctions are not lifted.", "lift")
    assert (found.modality, found.negated) == ("hypothetical", True)


def test_dated_past_event_keeps_its_date(nlp):
    found = status(nlp, "The talks were paused on March 11.", "pause")
    assert (found.tense, found.time_text, found.time_prep, found.voice) == ("past", "March 11", "on", "passive")


def test_duration_is_not_a_date(nlp):
    found = status(nlp, "The talks stalled for two weeks.", "stall")
    assert found.time_text is None


def test_reported_statement_names_its_reporter(nlp):
    found = status(nlp, "Western officials say Putin could launch an invasion.", "launch")
    assert (found.reported_by, found.object) == ("Western officials", "an invasion")


def test_reporting_frame_is_not_a_status(nlp):
    assert [s.predicate for s in find_statuses(nlp("Officials said that the talks had stalled."))] == ["stall"]


def test_purpose_infinitive_is_not_a_status_of_its_noun(nlp):
    predicates = {s.predicate for s in find_statuses(nlp("Talks to revive the accord are floundering."))}
    assert predicates == {"flounder"}


def test_text_and_offsets_agree(nlp):
    text = "Diplomats said on Friday that negotiations were paused on March 11."
    found = status(nlp, text, "pause")
    assert text[found.start_char:found.end_char] == found.text
    assert found.text.startswith("negotiations were paused")


def test_seed_statements_keep_negation_and_threat(seed_doc):
    statuses = find_statuses(seed_doc)
    signed = [s for s in statuses if s.predicate == "sign" and s.subject_head == "offer"]
    assert [(s.negated, s.tense) for s in signed] == [(True, "past")]
    launch = [s for s in statuses if s.predicate == "launch"]
    assert [(s.modality, s.object) for s in launch] == [("possible", "an invasion")]
    flounder = [s for s in statuses if s.predicate == "flounder"]
    assert [(s.subject_head, s.tense) for s in flounder] == [("talk", "present")]


def test_long_run_on_sentence_is_skipped_quickly(nlp):
    text = "and the talks stalled " * 2500
    assert isinstance(find_statuses(nlp(text[:50000])), list)
