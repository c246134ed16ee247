"""Status statements: subject, predicate, negation, modality, tense and date from the parse."""
from __future__ import annotations

import pytest

from storywatch.language.statuses import StatusClaim, find_statuses


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
        ("Russia to pull back some troops after drills.", "pull back", "russia", False, "future", "future"),
        ("The talks broke down in March.", "break down", "talk", False, None, "past"),
        ("Talks are set to resume on Monday.", "resume", "talk", False, "expected", "present"),
        ("Negotiators have been unable to agree.", "agree", "negotiator", True, None, "present"),
        ("There is no deal yet.", "exist", "deal", True, None, "present"),
        ("A final text is essentially ready.", "ready", "text", False, None, "present"),
        ("The extent of the sales remained unclear.", "unclear", "extent", False, None, "past"),
        ("An invasion could begin within days.", "begin", "invasion", False, "possible", "present"),
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


def test_object_with_no_negates_the_statement(nlp):
    found = status(nlp, "NATO said it had seen no sign of a pullback.", "see")
    assert (found.negated, found.reported_by, found.reporting_verb) == (True, "NATO", "say")


def test_a_denied_complement_is_negated(nlp):
    found = status(nlp, "Russia denied it was planning to invade.", "invade")
    assert (found.negated, found.modality, found.reporting_verb) == (True, "planned", "deny")


def test_an_expected_complement_is_expected(nlp):
    found = status(nlp, "Diplomats expect the talks to resume next week.", "resume")
    assert (found.modality, found.reported_by, found.time_text) == ("expected", "Diplomats", "next week")


def test_a_participle_of_saying_names_its_subject_as_reporter(nlp):
    found = status(nlp, "Ukraine disputed the claim, saying no troops had left.", "leave")
    assert (found.negated, found.reported_by) == (True, "Ukraine")


def test_particle_stays_with_the_verb_not_the_object(nlp):
    found = status(nlp, "Russia said it had begun pulling back troops.", "pull back")
    assert (found.object, found.chain[:2]) == ("troops", ("begin", "pull"))


def test_several_states_in_one_sentence_keep_their_tenses(nlp):
    statuses = find_statuses(nlp("The talks were paused; a final text is essentially ready."))
    assert [(s.predicate, s.tense) for s in statuses] == [("pause", "past"), ("ready", "present")]


def test_a_past_event_with_a_year_is_dated(nlp):
    found = status(nlp, "Russia invaded Crimea in 2014.", "invade")
    assert (found.tense, found.time_text, found.time_prep) == ("past", "2014", "in")
