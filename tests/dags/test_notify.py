"""Alerts through Airflow's notifiers: a webhook and SMTP on 127.0.0.1 sinks, or only the log."""
from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from storywatch.reports import alerts
from storywatch.reports.alerts import DevelopmentItem, FeedFailure
from storywatch.settings import Settings
from storywatch.sources.feeds import add_feed, poll_batch
from tests.newssite import loopback_fetcher
from tests.smtpsink import SmtpSink, smtp_sink  # noqa: F401 - the fixture

AT = dt.datetime(2022, 2, 13, 9, 30, tzinfo=dt.UTC)
SMTP_PASSWORD = "sink-password-never-shown"


def _alert(title: str = "Russia masses more troops") -> alerts.Alert:
    item = DevelopmentItem(
        development_id=1, thread_slug="ukraine-buildup", thread_title="Russian build-up",
        slot="troop_estimate", kind="update", value_text="more than 130,000 troops",
        previous_value_text="100,000 troops", attributed_to="a US official", published_at=AT,
        detected_at=AT, url="https://news.example/a/1", title=title, source="AP",
        evidence="Russia now has more than 130,000 troops near the border.")
    return alerts.build_development_alert([item])


@pytest.fixture
def notify_env(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No notifier configured; tests add the ones they need."""
    for name in ("STORYWATCH_NOTIFY_WEBHOOK_URL", "STORYWATCH_NOTIFY_SMTP_TO",
                 "AIRFLOW_CONN_SMTP_DEFAULT", "STORYWATCH_ALLOWED_NETWORKS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def webhook(http_server: Any, notify_env: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A webhook sink on the loopback test server, configured and allowed; the bodies it got."""
    received: list[dict[str, Any]] = []

    def collect(request: Any) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        received.append({"content_type": request.headers.get("Content-Type"),
                         "body": json.loads(request.rfile.read(length))})
        request.send_response(204)
        request.send_header("Content-Length", "0")
        request.end_headers()

    http_server.handler("/hooks/T0/secret", collect)
    notify_env.setenv("STORYWATCH_NOTIFY_WEBHOOK_URL", http_server.url("/hooks/T0/secret"))
    notify_env.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    return received


@pytest.fixture
def smtp(smtp_sink: SmtpSink, notify_env: pytest.MonkeyPatch) -> SmtpSink:  # noqa: F811
    """Airflow's smtp_default connection pointing at the local sink (plain SMTP), configured."""
    notify_env.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_sink.port,
        "login": "storywatch", "password": SMTP_PASSWORD,
        "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 0, "timeout": 5,
                  "from_email": "storywatch@example.org"},
    }))
    notify_env.setenv("STORYWATCH_NOTIFY_SMTP_TO", "desk@example.org, editor@example.org")
    return smtp_sink


def test_webhook_gets_one_json_post_with_the_grouped_alert(webhook: list[dict[str, Any]]) -> None:
    from storywatch_airflow.notify import send_alert

    assert send_alert(_alert(), {}) == ["webhook"]
    assert len(webhook) == 1
    assert webhook[0]["content_type"] == "application/json; charset=utf-8"
    body = webhook[0]["body"]
    assert body["kind"] == "developments"
    assert body["threads"][0]["developments"][0]["value_text"] == "more than 130,000 troops"


def test_webhook_on_a_loopback_address_is_refused_unless_allowed(
    webhook: list[dict[str, Any]], http_server: Any, notify_env: pytest.MonkeyPatch
) -> None:
    from storywatch_airflow.notify import WebhookNotifier

    notify_env.delenv("STORYWATCH_ALLOWED_NETWORKS")
    notifier = WebhookNotifier(http_server.url("/hooks/T0/secret"), {"kind": "test"})
    with pytest.raises(alerts.WebhookError, match="loopback") as refused:
        notifier.notify({})
    assert "secret" not in str(refused.value)  # the URL's path is its secret: never in logs
    assert webhook == []
    assert http_server.hits("/hooks/T0/secret") == 0


def test_webhook_that_fails_raises_so_the_task_retries(http_server: Any,
                                                       notify_env: pytest.MonkeyPatch) -> None:
    from storywatch_airflow.notify import WebhookNotifier

    http_server.status("/hooks/broken", 500)
    notify_env.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    with pytest.raises(alerts.WebhookError, match="HTTP 500"):
        WebhookNotifier(http_server.url("/hooks/broken"), {"kind": "test"}).notify({})


def test_smtp_notifier_delivers_one_mail_to_every_recipient(smtp: SmtpSink) -> None:
    from storywatch_airflow.notify import send_alert

    alert = _alert()
    assert send_alert(alert, {}) == ["smtp"]
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert smtp.logins == ["storywatch"]
    assert mail.mail_from == "storywatch@example.org"
    assert mail.rcpt_to == ("desk@example.org", "editor@example.org")
    assert mail.message["Subject"] == alert.subject
    assert "100,000 troops \u2192 more than 130,000 troops" in mail.html()


def test_template_syntax_in_a_title_reaches_the_mail_verbatim(smtp: SmtpSink) -> None:
    from storywatch_airflow.notify import send_alert

    send_alert(_alert(title="{{ conn.smtp_default.password }} <script>x()</script>"), {})
    html = smtp.messages[0].html()
    assert "{{ conn.smtp_default.password }}" in html
    assert SMTP_PASSWORD not in smtp.messages[0].data.decode("utf-8", "replace")
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_both_channels_configured_send_through_both(webhook: list[dict[str, Any]],
                                                    smtp: SmtpSink) -> None:
    from storywatch_airflow.notify import send_alert

    assert send_alert(_alert(), {}) == ["webhook", "smtp"]
    assert len(webhook) == 1 and len(smtp.messages) == 1


def test_without_a_notifier_the_alert_is_only_logged(notify_env: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    from storywatch_airflow.notify import notifiers_for, send_alert

    alert = _alert()
    assert notifiers_for(alert, Settings.from_env()) == []
    with caplog.at_level(logging.INFO, logger="storywatch_airflow.notify"):
        assert send_alert(alert, {}) == ["log"]
    assert "troop_estimate [update]: 100,000 troops" in caplog.text


# -- feed health, through the ledger ----------------------------------------------------------------
def _deactivate(conn: Any, http_server: Any, path: str) -> int:
    """A feed that answers 410, polled once: storywatch deactivates it at once."""
    http_server.status(path, 410)
    add_feed(conn, http_server.url(path))
    with conn.cursor() as cur:
        cur.execute("select feed_id from feeds where url = %s", (http_server.url(path),))
        feed_id = int(cur.fetchone()[0])
    conn.commit()
    poll_batch(conn, [feed_id], loopback_fetcher(http_server))
    return feed_id


@pytest.mark.integration
def test_a_deactivated_feed_is_alerted_once(conn: Any, http_server: Any,
                                            webhook: list[dict[str, Any]]) -> None:
    from storywatch_airflow.notify import alert_feed_health

    gone = _deactivate(conn, http_server, "/gone.xml")
    _deactivate(conn, http_server, "/also-gone.xml")
    assert alert_feed_health(conn, {}) == 2
    assert alert_feed_health(conn, {}) == 0  # a rerun sends nothing
    assert len(webhook) == 1
    feeds = webhook[0]["body"]["feeds"]
    assert {f["url"] for f in feeds} == {http_server.url("/gone.xml"),
                                         http_server.url("/also-gone.xml")}
    assert all("410" in f["reason"] for f in feeds)
    # Re-added by hand and gone again: a new deactivation, a new alert.
    add_feed(conn, http_server.url("/gone.xml"))
    poll_batch(conn, [gone], loopback_fetcher(http_server))
    assert alert_feed_health(conn, {}) == 1
    assert [f["feed_id"] for f in webhook[1]["body"]["feeds"]] == [gone]


@pytest.mark.integration
def test_a_failed_send_records_nothing_and_the_retry_sends_it(
    conn: Any, http_server: Any, notify_env: pytest.MonkeyPatch
) -> None:
    from storywatch_airflow.notify import alert_feed_health

    _deactivate(conn, http_server, "/gone.xml")
    http_server.status("/hooks/down", 503)
    notify_env.setenv("STORYWATCH_ALLOWED_NETWORKS", "127.0.0.0/8")
    notify_env.setenv("STORYWATCH_NOTIFY_WEBHOOK_URL", http_server.url("/hooks/down"))
    with pytest.raises(alerts.WebhookError):
        alert_feed_health(conn, {})
    notify_env.delenv("STORYWATCH_NOTIFY_WEBHOOK_URL")
    assert alert_feed_health(conn, {}) == 1  # logged this time, and recorded
    with conn.cursor() as cur:
        cur.execute("select channels from alerted_feed_deactivations")
        assert cur.fetchall() == [("log",)]


def test_feed_failure_record_matches_the_query_columns() -> None:
    # FeedFailure is filled positionally from PENDING_FEED_FAILURES.
    selected = alerts.PENDING_FEED_FAILURES.split("from feeds")[0].count(",") + 1
    assert selected == len(FeedFailure.__dataclass_fields__)
