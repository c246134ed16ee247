"""Sending storywatch's alerts through Airflow's notifiers: a webhook, SMTP, or the task log.

The library builds the message (`storywatch.reports.alerts`); this module only sends
it, through every channel configured (STORYWATCH_NOTIFY_WEBHOOK_URL,
STORYWATCH_NOTIFY_SMTP_TO with Airflow's SMTP connection), or logs it when none
is. Notifiers are called with `notify(context)`, never `notifier(context)`: the
latter renders the notifier's template fields with Jinja first, and alert text
comes from feeds, where `{{ conn.smtp_default.password }}` is just a title.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk import BaseNotifier

from storywatch.reports import alerts
from storywatch.settings import Settings
from storywatch.store.db import Connection

log = logging.getLogger(__name__)


class WebhookNotifier(BaseNotifier):
    """POST a JSON payload to a URL, under storywatch's address rules (STORYWATCH_ALLOWED_NETWORKS)."""

    template_fields = ()  # nothing from feeds is ever rendered as a template

    def __init__(self, url: str, payload: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.payload = dict(payload)

    def notify(self, context: Any) -> None:
        """Deliver the payload; raises when the webhook is unreachable or does not answer 2xx."""
        status = alerts.post_webhook(Settings.from_env(), self.url, self.payload)
        log.info("alert delivered to %s (HTTP %s)", alerts.redact_webhook(self.url), status)


def notifiers_for(alert: alerts.Alert, settings: Settings) -> list[tuple[str, BaseNotifier]]:
    """(channel, notifier) for every channel the settings configure."""
    chosen: list[tuple[str, BaseNotifier]] = []
    if settings.notify_webhook_url:
        chosen.append(("webhook", WebhookNotifier(settings.notify_webhook_url, alert.payload)))
    if settings.notify_smtp_to:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        # Subject and body are given, so the notifier renders nothing; the sender comes from
        # the SMTP connection's `from_email` extra.
        chosen.append(("smtp", SmtpNotifier(to=list(settings.notify_smtp_to),
                                            subject=alert.subject, html_content=alert.html)))
    return chosen


def send_alert(alert: alerts.Alert, context: Any, settings: Settings | None = None) -> list[str]:
    """Send `alert` through every configured channel (the log when none is); the channels used."""
    settings = settings or Settings.from_env()
    chosen = notifiers_for(alert, settings)
    if not chosen:
        log.info("no notifier configured (STORYWATCH_NOTIFY_WEBHOOK_URL, "
                 "STORYWATCH_NOTIFY_SMTP_TO); the alert is only logged:\n%s", alert.text)
        return ["log"]
    for channel, notifier in chosen:
        notifier.notify(context)
        log.info("alert %r sent by %s", alert.subject, channel)
    return [channel for channel, _ in chosen]


def alert_developments(conn: Connection, context: Any) -> int:
    """Send one message with every development not yet alerted; how many it covered."""
    alert = alerts.read_development_alert(conn)
    if alert is None:
        return 0
    try:
        channels = send_alert(alert, context)
    except BaseException:
        conn.rollback()  # nothing recorded: the retry sends it again
        raise
    return alerts.mark_alerted(conn, alert, channels)


def alert_feed_health(conn: Connection, context: Any) -> int:
    """Send one message listing every feed deactivated since the last one; how many feeds."""
    alert = alerts.read_feed_health_alert(conn)
    if alert is None:
        return 0
    try:
        channels = send_alert(alert, context)
    except BaseException:
        conn.rollback()
        raise
    return alerts.mark_alerted(conn, alert, channels)
