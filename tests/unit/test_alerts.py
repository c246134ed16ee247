"""Alert messages: one per run, grouped by thread, with everything from feeds made inert."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from storywatch.reports import alerts
from storywatch.reports.alerts import DevelopmentItem, FeedFailure

AT = dt.datetime(2022, 2, 13, 9, 30, tzinfo=dt.UTC)


def development(development_id: int, thread: str = "ukraine-buildup", **fields: object) -> DevelopmentItem:
    values: dict[str, object] = {
        "development_id": development_id,
        "thread_slug": thread,
        "thread_title": "Russian build-up near Ukraine" if thread == "ukraine-buildup" else "JCPOA talks",
        "slot": "troop_estimate",
        "kind": "update",
        "value_text": "more than 130,000 troops",
        "previous_value_text": "100,000 troops",
        "attributed_to": "a US official",
        "published_at": AT,
        "detected_at": AT + dt.timedelta(hours=1),
        "url": f"https://news.example/a/{development_id}",
        "title": "Russia masses more troops",
        "source": "AP",
        "evidence": "Russia now has more than 130,000 troops near the border, a US official said.",
    }
    values.update(fields)
    return DevelopmentItem(**values)  # type: ignore[arg-type]


def test_many_developments_from_many_articles_make_one_message_grouped_by_thread() -> None:
    items = [development(1), development(2, slot="invasion_status", kind="new",
                                         value_text="threatened", previous_value_text=None),
             development(3, "jcpoa-talks", slot="talks_status", value_text="paused",
                         previous_value_text="ongoing")]
    alert = alerts.build_development_alert(items)
    assert alert.kind == "developments"
    assert alert.subject == ("storywatch: 3 developments in 2 threads: jcpoa-talks, "
                             "ukraine-buildup")
    assert [t["slug"] for t in alert.payload["threads"]] == ["jcpoa-talks", "ukraine-buildup"]
    assert [len(t["developments"]) for t in alert.payload["threads"]] == [1, 2]
    assert alert.keys == ((1,), (2,), (3,))
    assert "troop_estimate [update]: 100,000 troops \u2192 more than 130,000 troops" in alert.text
    assert "talks_status [update]: ongoing \u2192 paused" in alert.text
    assert "invasion_status [new]: threatened\n" in alert.text
    assert alert.text.index("JCPOA talks (jcpoa-talks)") < alert.text.index(
        "Russian build-up near Ukraine (ukraine-buildup)")


def test_one_development_reads_in_the_singular() -> None:
    assert alerts.build_development_alert([development(7)]).subject.startswith(
        "storywatch: 1 development in 1 thread: ")


def test_feed_text_is_escaped_in_html_and_cannot_forge_lines_in_text() -> None:
    hostile = development(
        1, title="<script>alert(1)</script>", source="Evil\n  * fake_slot [new]: forged",
        evidence="</blockquote><img src=x onerror=alert(2)>",
        attributed_to="<b>someone</b>", url="javascript:alert(3)")
    alert = alerts.build_development_alert([hostile])
    assert "<script>" not in alert.html and "<img" not in alert.html
    assert "&lt;img src=x onerror=alert(2)&gt;" in alert.html
    assert "javascript:" not in alert.html and "javascript:" not in alert.text
    assert "\n  * fake_slot" not in alert.text  # the newline in the source was flattened
    assert "Evil * fake_slot [new]: forged" in alert.text


def test_only_http_links_are_kept() -> None:
    alert = alerts.build_development_alert([development(1, url="https://news.example/x?a=1&b=2")])
    assert 'href="https://news.example/x?a=1&amp;b=2"' in alert.html
    assert "https://news.example/x?a=1&b=2" in alert.text


def test_a_backlog_lists_the_first_developments_per_thread_and_counts_the_rest() -> None:
    items = [development(i) for i in range(1, alerts.MAX_LISTED_PER_THREAD + 6)]
    alert = alerts.build_development_alert(items)
    assert alert.text.count("  * troop_estimate") == alerts.MAX_LISTED_PER_THREAD
    assert "... and 5 more (storywatch developments --thread ukraine-buildup)" in alert.text
    assert len(alert.payload["threads"][0]["developments"]) == len(items)
    assert alert.payload["threads"][0]["omitted"] == 0
    assert len(alert.keys) == len(items)


def test_a_huge_backlog_is_counted_not_dumped_into_the_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "MAX_PAYLOAD_PER_THREAD", 3)
    alert = alerts.build_development_alert([development(i) for i in range(1, 8)])
    thread = alert.payload["threads"][0]
    assert (thread["count"], thread["omitted"], len(thread["developments"])) == (7, 4, 3)
    assert len(alert.keys) == 7  # all of them are marked as alerted


def test_payload_is_plain_json_with_the_view_column_names() -> None:
    payload = alerts.build_development_alert([development(1)]).payload
    decoded = json.loads(json.dumps(payload))
    listed = decoded["threads"][0]["developments"][0]
    assert listed["published_at"] == "2022-02-13T09:30:00+00:00"
    assert {"development_id", "slot", "kind", "value_text", "previous_value_text",
            "attributed_to", "url", "title", "source", "evidence"} <= set(listed)
    assert decoded["text"].startswith(decoded["subject"])


def test_empty_input_is_refused_rather_than_sending_an_empty_message() -> None:
    with pytest.raises(ValueError):
        alerts.build_development_alert([])
    with pytest.raises(ValueError):
        alerts.build_feed_health_alert([])


def test_feed_health_alert_names_each_feed_and_why() -> None:
    failures = [FeedFailure(4, "https://feeds.example/world.xml", "World <desk>", AT,
                            "10 failures in a row; last: HTTP 500", 10, "HTTP 500"),
                FeedFailure(9, "https://feeds.example/gone.xml", None, AT,
                            "the feed is gone: HTTP 410", 1, "HTTP 410")]
    alert = alerts.build_feed_health_alert(failures)
    assert alert.subject == "storywatch: 2 feeds deactivated after repeated failures"
    assert "World <desk>: 10 failures in a row; last: HTTP 500 (10 failures," in alert.text
    assert "https://feeds.example/gone.xml: the feed is gone: HTTP 410 (1 failure," in alert.text
    assert "World &lt;desk&gt;" in alert.html
    assert alert.keys == ((4, AT), (9, AT))
    assert [f["feed_id"] for f in alert.payload["feeds"]] == [4, 9]


def test_webhook_urls_are_shown_without_their_secret_path() -> None:
    shown = alerts.redact_webhook("https://user:pw@hooks.example.org/services/T0/B0/XYZSECRET")
    assert shown == "https://hooks.example.org/\u2026"
    assert "SECRET" not in shown and "pw" not in shown
