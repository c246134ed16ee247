"""seeds/threads.yml: the shipped threads load, and mistakes are reported with their line."""
from __future__ import annotations

from pathlib import Path

import pytest

from storywatch.settings import REPO_ROOT
from storywatch.tracking.threads import (
    REQUIRED_SLOTS,
    ThreadsError,
    load_threads_file,
    parse_threads,
    thread_from_definition,
)

SHIPPED = REPO_ROOT / "seeds" / "threads.yml"

MINIMAL = """\
threads:
  - slug: demo-thread
    title: Demo
    match:
      any_of: [alpha, {term: beta gamma, weight: 2}, {entity: Some Person}]
    slots:
      - name: level
        type: quantity
        unit: kg
      - name: phase
        type: status
        states:
          - name: started
            phrases: [start*]
          - name: ended
            supersedes: [started]
            phrases: ["came to * end"]
"""


def test_shipped_threads_have_the_slots_and_states_design_fixes() -> None:
    threads = {t.slug: t for t in load_threads_file(SHIPPED)}
    assert set(REQUIRED_SLOTS) <= set(threads)
    for slug, slots in REQUIRED_SLOTS.items():
        for slot_name, states in slots.items():
            slot = threads[slug].slot(slot_name)
            assert slot is not None, (slug, slot_name)
            assert {s.name for s in slot.states} >= set(states)
    assert threads["ukraine-buildup"].slot("troop_estimate").unit == "troops"  # type: ignore[union-attr]
    assert threads["jcpoa-talks"].slot("enrichment_level").unit == "percent"  # type: ignore[union-attr]
    assert threads["jcpoa-talks"].slot("stockpile").unit == "kg"  # type: ignore[union-attr]


def test_a_typo_in_a_key_names_the_line_the_thread_and_the_likely_key() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    lines = text.splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("any_of:"))
    broken = text.replace("      any_of:", "      any_off:", 1)
    with pytest.raises(ThreadsError) as caught:
        parse_threads(broken, where="threads.yml")
    assert (f"threads.yml line {line_no}: unknown key 'any_off' in thread 'jcpoa-talks' "
            "(did you mean 'any_of'?)") in str(caught.value)


def test_invalid_yaml_reports_the_line() -> None:
    with pytest.raises(ThreadsError, match=r"threads.yml line 3: not valid YAML"):
        parse_threads("threads:\n  - slug: x\n    title: y: z\n", where="threads.yml")


@pytest.mark.parametrize(("change", "message"), [
    (("type: quantity", "type: quantiti"), "line 8: type 'quantiti' of slot 'level' of thread "
                                          "'demo-thread' is not one of quantity, status, text "
                                          "(did you mean 'quantity'?)"),
    (("supersedes: [started]", "supersedes: [begun]"), "supersedes unknown state 'begun'"),
    (("        unit: kg\n", ""), "slot 'level' of thread 'demo-thread' is a quantity and needs "
                                 "'counts'"),
    (("phrases: [start*]", "phrases: []"), "state 'started' of slot 'phase'"),
    (("slug: demo-thread", "slug: Demo Thread"), "must be lower-case letters, digits and dashes"),
    (("{term: beta gamma, weight: 2}", "{term: beta gamma, weight: heavy}"),
     "the weight of 'beta gamma' in any_of of thread 'demo-thread' must be a number"),
    (("{entity: Some Person}", "{entity: Some Person, term: x}"),
     "needs exactly one of 'term' or 'entity'"),
])
def test_each_mistake_gets_a_message_that_says_what_to_fix(change: tuple[str, str],
                                                           message: str) -> None:
    with pytest.raises(ThreadsError) as caught:
        parse_threads(MINIMAL.replace(*change), where="threads.yml")
    assert message in str(caught.value)


def test_every_mistake_of_a_file_is_reported_at_once() -> None:
    broken = MINIMAL.replace("any_of:", "any_off:").replace("type: status", "type: stat")
    with pytest.raises(ThreadsError) as caught:
        parse_threads(broken, where="threads.yml")
    assert len(str(caught.value).splitlines()) >= 2


def test_duplicate_keys_and_threads_are_refused() -> None:
    with pytest.raises(ThreadsError, match="duplicate key 'title'"):
        parse_threads(MINIMAL.replace("    title: Demo\n", "    title: Demo\n    title: Again\n"))
    doubled = MINIMAL + MINIMAL.split("threads:\n", 1)[1]
    with pytest.raises(ThreadsError, match="thread 'demo-thread' is defined twice"):
        parse_threads(doubled)


def test_removing_a_slot_design_fixes_is_refused() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("name: stockpile", "name: stock_pile")
    with pytest.raises(ThreadsError, match="must have the slot 'stockpile'"):
        parse_threads(text)


def test_text_slot_patterns_must_compile_and_name_the_value() -> None:
    slot = ("      - name: venue\n        type: text\n        patterns: ['held in (?P<value>[A-Z]\\w+']\n")
    text = MINIMAL.replace("      - name: phase\n", slot + "      - name: phase\n")
    with pytest.raises(ThreadsError, match="not a valid regular expression"):
        parse_threads(text)


def test_a_definition_read_back_from_the_database_is_the_same_thread() -> None:
    (thread,) = parse_threads(MINIMAL)
    again = thread_from_definition(thread.definition)
    assert again == thread
    assert again.definition_sha256 == thread.definition_sha256


def test_any_change_to_a_thread_changes_its_hash_and_nothing_else_does() -> None:
    (thread,) = parse_threads(MINIMAL)
    (same,) = parse_threads("# a comment\n" + MINIMAL)
    (other,) = parse_threads(MINIMAL.replace("[start*]", "[start*, began]"))
    assert same.definition_sha256 == thread.definition_sha256
    assert other.definition_sha256 != thread.definition_sha256


def test_phrases_keep_gaps_and_prefixes() -> None:
    (thread,) = parse_threads(MINIMAL)
    phase = thread.slot("phase")
    assert phase is not None
    # Content words match their inflections (marked ~); function words and gaps stay as written.
    assert phase.state("ended").phrases[0].words == ("came~", "to", "*", "end~")  # type: ignore[union-attr]
    assert phase.state("started").phrases[0].words == ("start*",)  # type: ignore[union-attr]


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ThreadsError, match="cannot read"):
        load_threads_file(tmp_path / "missing.yml")
