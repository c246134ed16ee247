"""Thread relevance: scored, explained, and weighed by how much an article is about the thread."""
from __future__ import annotations

from storywatch.settings import REPO_ROOT
from storywatch.sources.article_files import read_article_file
from storywatch.tracking.relevance import parse_text, score_relevance
from storywatch.tracking.threads import load_threads_file

THREADS = {t.slug: t for t in load_threads_file(REPO_ROOT / "seeds" / "threads.yml")}
TIMELINE = REPO_ROOT / "tests" / "fixtures" / "timeline"


def _article(name: str) -> tuple[str, str]:
    folder = REPO_ROOT / "seeds" if name.startswith("000_") else TIMELINE
    article = read_article_file(folder / name, folder)
    return article.title or "", article.text


def test_an_article_about_the_talks_outscores_one_that_mentions_vienna_in_passing() -> None:
    talks = score_relevance(THREADS["jcpoa-talks"], parse_text(*_article("13_talks_paused.txt")))
    meeting = score_relevance(THREADS["jcpoa-talks"],
                              parse_text(*_article("000_d3ec237e47cabcad.txt")))
    duma = score_relevance(THREADS["jcpoa-talks"], parse_text(*_article("14_raisi_duma.txt")))
    assert talks.score > meeting.score > duma.score
    assert talks.is_relevant and meeting.is_relevant and not duma.is_relevant


def test_the_reason_names_the_matched_terms() -> None:
    result = score_relevance(THREADS["jcpoa-talks"], parse_text(*_article("13_talks_paused.txt")))
    assert "Vienna talks" in result.reason or "Vienna" in result.reason
    assert ("final text", 1) in result.matched_terms


def test_all_of_is_required() -> None:
    text = parse_text("Troops mass near the border", "Tens of thousands of troops are massing.")
    result = score_relevance(THREADS["ukraine-buildup"], text)
    assert result.score == 0 and not result.is_relevant
    assert result.reason.startswith("does not mention")


def test_entities_count_when_the_extract_stage_found_them() -> None:
    text = parse_text("Iran talks", "Iran met the agency on Monday. It was a short meeting.")
    without = score_relevance(THREADS["jcpoa-talks"], text)
    with_entities = score_relevance(THREADS["jcpoa-talks"], text,
                                    {"International Atomic Energy Agency": 2, "Josep Borrell": 1})
    assert with_entities.score > without.score
    assert ("International Atomic Energy Agency", 2) in with_entities.matched_entities


def test_an_unrelated_article_is_not_relevant() -> None:
    result = score_relevance(THREADS["ukraine-buildup"], parse_text(*_article("18_tehran_smog.txt")))
    assert not result.is_relevant


def test_a_thread_named_in_one_paragraph_past_the_lede_is_named_in_passing() -> None:
    """An article on another story that names the thread's subject once, deep in the text."""
    body = "\n\n".join([
        "KHARKIV - Crowds queued for bread on Tuesday as the city's bakeries reopened after a "
        "week of power cuts, and the mayor promised heating would return by the weekend.",
        "The power cuts began when a substation failed during the cold snap, the city's "
        "officials said.",
        "Engineers worked through the night to restore power to the eastern districts of the "
        "city.",
        "The cold snap also slowed the lines of trucks at the crossings east of the city, where "
        "Russian troops remain massed near Ukraine, officials said.",
        "The bakeries' owners said flour deliveries to the city would resume on Thursday once "
        "the power returns.",
    ])
    passing = score_relevance(THREADS["ukraine-buildup"], parse_text("Bread queues in the city",
                                                                     body))
    assert not passing.is_relevant and "only in passing" in passing.reason
    assert passing.sentences is None  # one story, not a page of several
    # the same paragraph in the lede makes it the article's subject
    lede_first = "\n\n".join([body.split("\n\n")[3], *body.split("\n\n")[:3]])
    assert "only in passing" not in score_relevance(
        THREADS["ukraine-buildup"], parse_text("Bread queues in the city", lede_first)).reason
