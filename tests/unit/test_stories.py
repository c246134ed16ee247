"""Pages of several stories: found by what their paragraphs share, scored story by story."""
from __future__ import annotations

from pathlib import Path

from storywatch.tracking.relevance import parse_text, score_relevance
from storywatch.tracking.stories import story_parts
from storywatch.tracking.threads import Thread, load_threads_file

# A newsletter in the shape such pages take: a greeting, then stories with their headlines
# on lines of their own and a link line each, none sharing a subject with another.
NEWSLETTER = """\
Good morning. Three things worth your time before the markets open.

Glacier retreat speeds up
Alpine glaciers lost a record share of their remaining ice this summer, according to a survey published by Swiss glaciologists, who blamed an unusually dry winter and repeated heatwaves.
Full story on our science pages.

Russian forces mass near Ukraine
Russia has now gathered more than 100,000 troops near its border with Ukraine, Western officials said, while Moscow denied any plan to invade and blamed NATO for rising tension. Ukrainian commanders said the troops were backed by tanks and artillery.
Full story on our world pages.

Stadium deal approved
City councillors approved a 40-year lease for the football club's new stadium after a marathon session, with 120,000 residents said to have signed a petition against the plan.
Full story on our local pages.

Chipmaker beats forecasts
Shares in the chipmaker rose sharply in early trading after quarterly revenue beat analysts' forecasts, driven by demand for processors used in data centres. The company raised its outlook for the rest of the year.
Full story on our business pages.

Storm warning for the coast
Forecasters issued an amber warning for gales along the western coast from Thursday evening, with gusts of up to 110 km/h expected on exposed headlands. Ferry operators said crossings could be cancelled.
Full story on our weather pages.
"""

# A wire story whose quotation paragraph shares no word with the rest: still one story.
WIRE = """\
Firefighters battled a blaze at a chemical warehouse on the city's eastern edge on Tuesday, and residents within two kilometres of the warehouse were told to keep their windows closed.

"We heard three explosions, one after another," said a neighbour.

The warehouse stored solvents and paint, the fire service said, and crews were using foam to stop the blaze from spreading to two neighbouring warehouses of the same company.

The fire service said nobody had been hurt and that the cause of the blaze at the warehouse was not yet known.
"""


def test_the_stories_of_a_newsletter_are_found_by_what_their_paragraphs_share() -> None:
    text = parse_text("Morning briefing: three things to know", NEWSLETTER)
    parts = story_parts(text.paragraph_of, text.sentence_tokens)
    stories = [" ".join(text.sentences[i].text for i in part) for part in parts]
    assert any("Alpine glaciers" in s and "Russia" not in s for s in stories)
    troops = [s for s in stories if "100,000 troops" in s]
    assert len(troops) == 1 and "tanks and artillery" in troops[0]
    assert "glaciers" not in troops[0] and "stadium" not in troops[0]


# A numbered briefing whose items are the day's disasters: their blurbs share words
# ("killing", "people", "Friday") but no story.
NUMBERED = """\
Good evening. Here are three stories from Friday.

1. Mine flood. Water flooded a coal mine in the north on Friday, killing 12 people and trapping 30 more underground, the regional governor said. Read more at north-herald.example

2. Bus crash. A bus carrying pilgrims plunged into a ravine on a mountain road on Friday, killing 21 people, most of them elderly, police said. Read more at valley-post.example

3. Ferry fire. A fire broke out on a ferry off the southern coast on Friday, killing 4 people, before the crew brought the passengers ashore. Read more at coast-daily.example
"""


def test_the_items_of_a_numbered_briefing_are_stories_of_their_own() -> None:
    text = parse_text("Three stories from Friday", NUMBERED)
    stories = [" ".join(text.sentences[i].text for i in part)
               for part in story_parts(text.paragraph_of, text.sentence_tokens)]
    assert len(stories) == 3
    assert sum("ravine" in s for s in stories) == 1 and not any(
        "ravine" in s and "ferry" in s for s in stories)


def test_an_article_whose_quotation_shares_no_word_is_one_story() -> None:
    text = parse_text("Warehouse fire", WIRE)
    assert story_parts(text.paragraph_of, text.sentence_tokens) == []


def strict_thread(tmp_path: Path) -> Thread:
    """A thread as an analyst might write it, asking for more than a passing mention."""
    path = tmp_path / "threads.yml"
    path.write_text("""
threads:
  - slug: buildup
    title: Russian forces around Ukraine
    match:
      all_of: [[Ukraine]]
      any_of: [troops, forces, border, invad*, tanks, artillery]
      min_score: 0.6
    slots:
      - {name: troops, type: quantity, counts: troops}
""", encoding="utf-8")
    (thread,) = load_threads_file(path)
    return thread


def test_a_thread_story_on_a_page_of_several_makes_it_relevant_for_that_story_only(
        tmp_path: Path) -> None:
    thread = strict_thread(tmp_path)
    text = parse_text("Morning briefing: three things to know", NEWSLETTER)
    relevance = score_relevance(thread, text)
    assert relevance.is_relevant
    assert relevance.sentences is not None
    assert "on a page of several" in relevance.reason
    kept = " ".join(text.sentences[i].text for i in relevance.sentences)
    assert "100,000 troops" in kept and "120,000 residents" not in kept
    masked = text.masked(relevance.sentences)
    assert masked.title == "" and len(masked.sentences) == len(text.sentences)
    assert all(masked.sentence_tokens[i] == () for i in range(len(text.sentences))
               if i not in relevance.sentences)


def test_a_page_about_the_thread_as_a_whole_is_read_whole(tmp_path: Path) -> None:
    thread = strict_thread(tmp_path)
    body = NEWSLETTER.split("Russian forces mass near Ukraine\n")[1].split("Full story")[0]
    relevance = score_relevance(thread, parse_text("Russian forces mass near Ukraine", body))
    assert relevance.is_relevant and relevance.sentences is None
