"""Numeric claims: values, units, qualifiers, ranges, exclusions, on the seed and on short cases."""
from __future__ import annotations

import pytest

from storywatch.language.quantities import QuantityClaim, find_quantities

# Gold units are written as people say them; the extractor's canonical names are the same words.
SEED_GOLD_UNITS = {"troops": "troops", "USD": "USD", "years": "years", "days": "days",
                   "feet": "feet", "weeks": "weeks"}


def quantities(nlp, text: str) -> list[QuantityClaim]:
    return find_quantities(nlp(text))


def only(nlp, text: str) -> QuantityClaim:
    found = quantities(nlp, text)
    assert len(found) == 1, [c.text for c in found]
    return found[0]


def matches_gold(claim: QuantityClaim, gold: dict) -> bool:
    same_value = claim.value == gold["value"] if gold["value"] is not None else claim.value is None
    return same_value and claim.unit == SEED_GOLD_UNITS[gold["unit"]] and claim.qualifier == gold["qualifier"]


def test_seed_numeric_claims_all_found_with_unit_and_qualifier(seed_doc, seed_gold):
    claims = find_quantities(seed_doc)
    missing = [g["text"] for g in seed_gold["numeric_claims"] if not any(matches_gold(c, g) for c in claims)]
    assert missing == []
    assert len(seed_gold["numeric_claims"]) == 8


def test_seed_counts_no_year_as_a_quantity(seed_doc):
    claims = find_quantities(seed_doc)
    assert [c.text for c in claims if c.value is not None and 1900 <= c.value <= 2100] == []


def test_seed_troops_are_about_russia(seed_doc):
    troops = [c for c in find_quantities(seed_doc) if c.unit == "troops"]
    assert [(c.value, c.qualifier, c.subject) for c in troops] == [(100000, "approx", "Russia")]


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("Russia has massed some 100,000 troops near the border.", 100000, "troops", "approx"),
        ("More than 130,000 troops are now near Ukraine.", 130000, "troops", "at_least"),
        ("Officials counted at least 150,000 soldiers.", 150000, "soldiers", "at_least"),
        ("The force numbers upwards of 100,000 personnel.", 100000, "personnel", "at_least"),
        ("Moscow could send up to 50,000 reservists.", 50000, "reservists", "at_most"),
        ("Nearly 1,000 people fled.", 1000, "people", "at_most"),
        ("Almost 300 tanks were seen.", 300, "tanks", "at_most"),
        ("Fewer than 20 inspectors remain.", 20, "inspectors", "at_most"),
        ("About 40 warships took part.", 40, "warships", "approx"),
        ("Roughly 2,000 sailors took part.", 2000, "sailors", "approx"),
        ("An estimated 10,000 protesters marched.", 10000, "protesters", "approx"),
        ("Around 70 aircraft flew over.", 70, "aircraft", "approx"),
        ("Exactly 12 ships docked.", 12, "ships", None),
        ("Iran has enriched 2,500 kilograms of uranium.", 2500, "kg", None),
        ("The two leaders sat some 20 ft apart.", 20, "feet", "approx"),
        ("The convoy stretched 40 miles.", 40, "miles", None),
        ("He said 100,000 troops had gathered.", 100000, "troops", None),
        ("A hundred thousand soldiers were mobilised.", 100000, "soldiers", None),
        ("Two dozen tanks crossed the river.", 24, "tanks", None),
        ("Twenty-five people were hurt.", 25, "people", None),
        ("One hundred and fifty rockets were fired.", 150, "rockets", None),
        ("Some 1.2 million refugees left.", 1200000, "refugees", "approx"),
        ("A 10,000-strong force gathered.", 10000, "force", None),
        ("More than 100,000-plus troops gathered.", 100000, "troops", "at_least"),
        ("There were 100,000 or more troops.", 100000, "troops", "at_least"),
        ("Around 3m people were displaced.", 3000000, "people", "approx"),
        ("Russia has some 100\u00a0000 troops there.", 100000, "troops", "approx"),
        ("Russia Sends Two More Battalions To Border", 2, "battalions", None),
        ("More than a dozen ships sailed.", 12, "ships", "at_least"),
        ("Biden spoke with Putin for about an hour.", 1, "hours", "approx"),
        ("Oil tops $95 a barrel.", 95, "USD", "at_least"),
        ("On March 11 500 troops left.", 500, "troops", None),
    ],
)
def test_counts_and_measures(nlp, text, value, unit, qualifier):
    claim = only(nlp, text)
    assert (claim.value, claim.unit, claim.qualifier) == (value, unit, qualifier)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("The US puts the force at 169,000 to 190,000 troops.", 169000, 190000, "troops"),
        ("The US puts the force at 169,000–190,000 personnel.", 169000, 190000, "personnel"),
        ("There are between 169,000 and 190,000 troops.", 169000, 190000, "troops"),
        ("It would cost $5bn-$10bn.", 5e9, 10e9, "USD"),
        ("It would cost 5 to 10 billion dollars.", 5e9, 10e9, "USD"),
        ("Enrichment of 60-90% was reported.", 60, 90, "percent"),
        ("The trip lasts two or three days.", 2, 3, "days"),
        ("US envoy puts Russian forces in and near Ukraine at 169,000 to 190,000", 169000, 190000, "forces"),
    ],
)
def test_ranges_keep_both_ends_with_the_high_end_as_value(nlp, text, low, high, unit):
    claim = only(nlp, text)
    assert (claim.low, claim.high, claim.value, claim.unit, claim.qualifier) == (low, high, high, unit, "range")


def test_change_from_one_figure_to_another_keeps_the_previous_value(nlp):
    claim = only(nlp, "The estimate rose from 100,000 to 130,000 troops.")
    assert (claim.value, claim.previous_value, claim.qualifier, claim.low) == (130000, 100000, None, None)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("China will invest nearly $400 billion in Iran.", 4e11, "USD"),
        ("The fund holds €1.2bn.", 1.2e9, "EUR"),
        ("The club paid £3m for him.", 3e6, "GBP"),
        ("The loan is worth US$5 million.", 5e6, "USD"),
        ("Prices hit 1.2 million rubles.", 1.2e6, "RUB"),
        ("The fine was 500 billion rials.", 5e11, "IRR"),
    ],
)
def test_money_has_its_currency(nlp, text, value, unit):
    claim = only(nlp, text)
    assert (claim.value, claim.unit, claim.unit_kind) == (value, unit, "currency")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Iran enriched uranium to 60 percent.", 60),
        ("Iran enriched uranium to 60%.", 60),
        ("Iran enriched uranium to 3.67%.", 3.67),
        ("Iran enriched uranium to 60 per cent.", 60),
    ],
)
def test_percentages_are_numbers_of_percent(nlp, text, value):
    claim = only(nlp, text)
    assert (claim.value, claim.unit) == (value, "percent")


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("They signed a 20-year agreement.", 20, "years"),
        ("Raisi began a two-day trip to Moscow.", 2, "days"),
        ("Tehran has been resisting America for 40 years.", 40, "years"),
        ("The talks lasted 11 hours.", 11, "hours"),
        ("The truce held for three weeks.", 3, "weeks"),
    ],
)
def test_durations_carry_a_time_unit(nlp, text, value, unit):
    claim = only(nlp, text)
    assert (claim.value, claim.unit, claim.unit_kind) == (value, unit, "duration")


@pytest.mark.parametrize(
    "text",
    [
        "Talks to revive the 2015 accord are floundering.",
        "President Donald Trump withdrew from it in 2018.",
        "Last November, the government returned to the talks.",
        "The talks were paused on March 11.",
        "The talks were paused on 11 March 2022.",
        "Talks resumed on Feb. 8.",
        "Iran was the first country to reply, on the 11th.",
        "The meeting starts at 10:30 a.m. and ends at 9pm.",
        "Call +1 555-123-4567 for details.",
        "Resolution 2231 endorsed the deal.",
        "NATO's Article 5 is clear.",
        "He has had COVID-19 twice, and S-400 missiles are in Syria.",
        "One of the officials left.",
        "The two leaders met.",
        "It happened 40 years ago.",
        "Seven in 10 voters agreed.",
        "Prices went up in the 1990s.",
        "Two-thirds of the force is there.",
        "The 2015-16 season was cut short.",
        "Between 2015 and 2018 the deal held.",
        "The score was 3-1.",
        "The office is open 24/7.",
        "Several analysts doubted it.",
        "Talks between Iran and the P5+1 resumed.",
        "The Group of Seven met in Germany.",
    ],
)
def test_not_quantities(nlp, text):
    assert [c.text for c in quantities(nlp, text)] == []


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Diplomats say they have just a few weeks left.", "weeks"),
        ("Several thousand troops arrived.", "troops"),
        ("Tens of thousands of people protested.", "people"),
    ],
)
def test_vague_amounts_get_no_value(nlp, text, unit):
    claim = only(nlp, text)
    assert (claim.value, claim.low, claim.high, claim.vague, claim.unit) == (None, None, None, True, unit)


def test_size_per_unit_is_marked_distributive(nlp):
    claim = only(nlp, "Russia has deployed battalion tactical groups of up to 1,000 troops each.")
    assert (claim.value, claim.unit, claim.qualifier, claim.per_unit) == (1000, "troops", "at_most", True)


def test_size_per_collective_unit_without_each_is_distributive(nlp):
    claim = only(nlp, "Satellite images show battalion tactical groups of 800 soldiers.")
    assert (claim.per_unit, claim.per) == (True, "groups")


def test_total_of_a_force_is_not_distributive(nlp):
    claim = only(nlp, "Russia has assembled a force of 100,000 troops.")
    assert (claim.value, claim.per_unit) == (100000, False)


def test_rate_names_what_it_is_per(nlp):
    claim = only(nlp, "Oil sold at $90 a barrel.")
    assert (claim.value, claim.unit, claim.per_unit, claim.per) == (90, "USD", True, "barrel")


def test_a_figure_under_a_modal_keeps_the_modality(nlp):
    claim = only(nlp, "Russia could deploy 200,000 troops.")
    assert (claim.value, claim.modality, claim.subject) == (200000, "possible", "Russia")


def test_a_dated_figure_keeps_its_date(nlp):
    claim = only(nlp, "The US estimated 100,000 troops in January.")
    assert claim.time_text == "January"


def test_a_figure_from_a_source_names_it(nlp):
    claim = only(nlp, "More than 130,000 troops are near Ukraine, according to U.S. officials.")
    assert claim.reported_by == "U.S. officials"


def test_offsets_point_at_the_claim_text(nlp):
    text = "Officials said Russia has massed some 100,000 troops near Ukraine."
    claim = only(nlp, text)
    assert text[claim.start_char:claim.end_char] == claim.text == "some 100,000 troops"


@pytest.mark.parametrize(
    "text",
    ["1" * 400 + " troops", "9" * 5000, "$" * 1000, "-" * 2000 + "5", ("a hundred " * 200) + "troops"],
)
def test_absurd_inputs_neither_crash_nor_invent(nlp, text):
    claims = quantities(nlp, text)
    assert all(c.value is None or c.value < 1e15 for c in claims)


def test_up_from_links_the_earlier_figure_as_previous_value(nlp):
    claims = quantities(nlp, "The U.S. estimate of Russian forces near Ukraine has risen to more than 130,000, "
                             "up from the 100,000 cited publicly for weeks, a U.S. official said.")
    assert [(c.value, c.qualifier, c.previous_value, c.role) for c in claims] == [
        (130000, "at_least", 100000, None), (100000, None, None, "previous")]
    assert {c.unit for c in claims} == {"forces"}
    assert all(c.unit_from_context and c.reported_by == "a U.S. official" for c in claims)


def test_bare_figure_takes_the_noun_of_an_amount_subject(nlp):
    claim = only(nlp, "The number of casualties climbed to 352.")
    assert (claim.value, claim.unit, claim.unit_from_context) == (352, "casualties", True)


def test_bare_figure_after_be_takes_the_plural_subject(nlp):
    claim = only(nlp, "The troops near the border are now more than 130,000.")
    assert (claim.value, claim.unit, claim.qualifier) == (130000, "troops", "at_least")


def test_multiplier_is_not_a_count_of_times(nlp):
    claim = only(nlp, "The stockpile is more than 15 times the limit.")
    assert (claim.value, claim.unit, claim.unit_kind) == (15, "times", "multiplier")


def test_a_required_level_is_not_a_measurement(nlp):
    claim = only(nlp, "Levels of around 90 percent are needed for a nuclear weapon.")
    assert (claim.value, claim.qualifier, claim.modality) == (90, "approx", "required")


def test_a_figure_cited_earlier_keeps_the_date_of_its_participle(nlp):
    claims = quantities(nlp, "The 100,000 troops cited in January are now more than 130,000.")
    assert [(c.value, c.time_text) for c in claims] == [(100000, "January"), (130000, None)]


def test_dateline_is_not_the_subject(nlp):
    claim = only(nlp, "WASHINGTON (AP) — The Pentagon has placed 8,500 troops on alert.")
    assert claim.subject == "The Pentagon"


def test_age_is_not_a_duration(nlp):
    claim = only(nlp, "A 62-year-old man was detained.")
    assert (claim.value, claim.unit, claim.unit_kind) == (62, "years old", "age")


def test_one_in_a_hyphenated_duration_is_kept(nlp):
    claim = only(nlp, "They agreed a one-year extension.")
    assert (claim.value, claim.unit, claim.text) == (1, "years", "one-year extension")


def test_figure_counts_the_head_of_a_noun_compound(nlp):
    claim = only(nlp, "Russia has about 60 battalion tactical groups near the border.")
    assert (claim.value, claim.unit, claim.qualifier) == (60, "groups", "approx")


def test_one_official_is_not_a_count(nlp):
    assert quantities(nlp, "One official said the talks had stalled.") == []
