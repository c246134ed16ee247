"""Versions of one article through store_article: diffs, trivial edits, anti-flapping, raw bodies."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.store.articles import ArticleText, store_article
from storywatch.store.raw import RawResponse, purge_raw_responses, read_raw_body
from tests.conftest import count_rows

pytestmark = pytest.mark.integration

BODY_1 = (
    "Russia has massed some 100,000 troops near Ukraine, officials said on Tuesday.\n"
    "The Kremlin denies any plan to invade.\n"
    "Talks in Geneva ended without agreement."
)
BODY_2 = (
    "Russia has massed more than 130,000 troops near Ukraine, officials said on Tuesday.\n"
    "The Kremlin denies any plan to invade.\n"
    "Talks in Geneva ended without agreement.\n"
    "NATO put forces on standby."
)


def _page(body: str, title: str = "Troops near Ukraine") -> ArticleText:
    return ArticleText(identity="https://news.test/a/1", origin="page", body=body, title=title,
                       url="https://news.test/a/1", same_if_fingerprint_equal=True)


def _diff_row(conn, version_id):
    with conn.cursor() as cur:
        cur.execute(
            "select sentences_added, sentences_removed, added_sentences, removed_sentences,"
            " is_trivial, title_changed, diff from v_article_versions where document_version_id = %s",
            (version_id,),
        )
        return cur.fetchone()


def test_edited_article_gets_one_version_with_its_diff(conn):
    first = store_article(conn, _page(BODY_1))
    second = store_article(conn, _page(BODY_2))
    again = store_article(conn, _page(BODY_2))
    assert (first.outcome, second.outcome, again.outcome) == ("new_document", "new_version", "unchanged")
    added, removed, added_s, removed_s, trivial, title_changed, diff = _diff_row(conn, second.document_version_id)
    assert (added, removed) == (2, 1)
    assert added_s == ["Russia has massed more than 130,000 troops near Ukraine, officials said on Tuesday.",
                       "NATO put forces on standby."]
    assert removed_s == ["Russia has massed some 100,000 troops near Ukraine, officials said on Tuesday."]
    assert trivial is False and title_changed is False
    assert "-Russia has massed some 100,000" in diff and "+NATO put forces on standby." in diff
    assert _diff_row(conn, first.document_version_id)[0] is None  # a first version has no diff
    assert count_rows(conn, "version_diffs") == 1


def test_headline_change_alone_is_a_new_non_trivial_version(conn):
    store_article(conn, _page(BODY_1))
    second = store_article(conn, _page(BODY_1, title="Russia masses troops near Ukraine"))
    added, removed, *_, trivial, title_changed, diff = _diff_row(conn, second.document_version_id)
    assert second.outcome == "new_version"
    assert (added, removed, trivial, title_changed) == (0, 0, False, True)
    assert "+# Russia masses troops near Ukraine" in diff


def test_date_line_and_whitespace_edit_is_flagged_trivial(conn):
    store_article(conn, _page("Updated Jan. 19, 2022 3:45 p.m. ET\n" + BODY_1))
    second = store_article(conn, _page("Updated Jan. 19, 2022 5:10 p.m. ET\n\n" + BODY_1.replace(" near", "  near")))
    assert second.outcome == "new_version"
    assert _diff_row(conn, second.document_version_id)[4] is True


def test_re_encoded_text_is_flagged_trivial(conn):
    body = "Putin told Raisi it was \u201cvery important to hear your position.\u201d\nCaf\u00e9 talks go on."
    garbled = body.encode("utf-8").decode("latin-1").replace("\x9d", "\x9d")
    store_article(conn, ArticleText(identity="x", origin="page", body=body, title="T"))
    second = store_article(conn, ArticleText(identity="x", origin="page", body=garbled, title="T"))
    assert second.outcome == "new_version"
    assert _diff_row(conn, second.document_version_id)[4] is True


def test_article_flipping_between_two_texts_stops_at_four_versions(conn):
    outcomes = [store_article(conn, _page(body)).outcome
                for body in (BODY_1, BODY_2, BODY_1, BODY_2, BODY_1)]
    assert outcomes == ["new_document", "new_version", "new_version", "new_version", "flapping"]
    assert count_rows(conn, "document_versions") == 4
    assert count_rows(conn, "version_diffs") == 3


def test_raw_response_is_kept_compressed_and_purged_after_retention(conn):
    old = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    body = b"<html><body><p>" + BODY_1.encode() * 20 + b"</p></body></html>"
    raw = RawResponse("https://news.test/a/1", "https://news.test/a/1", 200, "text/html",
                      {"content-type": "text/html"}, body, old)
    stored = store_article(conn, _page(BODY_1), fetched_at=old, raw=raw)
    assert read_raw_body(conn, stored.document_version_id) == body
    with conn.cursor() as cur:
        cur.execute("select octet_length(body_gz), body_bytes from raw_responses")
        packed, size = cur.fetchone()
    assert size == len(body) and packed < size / 4
    assert purge_raw_responses(conn, 30, now=old + dt.timedelta(days=29)) == 0
    assert purge_raw_responses(conn, 30, now=old + dt.timedelta(days=31)) == 1
    assert read_raw_body(conn, stored.document_version_id) is None
    assert count_rows(conn, "raw_responses") == 1  # the metadata stays
    assert purge_raw_responses(conn, 30, now=old + dt.timedelta(days=32)) == 0
