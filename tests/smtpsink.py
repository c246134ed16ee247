"""A tiny SMTP server on 127.0.0.1 that keeps every message it is given (for notifier tests).

Speaks just enough of RFC 5321 for smtplib: greeting, EHLO/HELO (no STARTTLS),
AUTH PLAIN (any password is accepted and the user recorded), MAIL, RCPT, DATA
with dot-unstuffing, RSET, NOOP, QUIT.
"""
from __future__ import annotations

import base64
import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One message as the sink received it."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def html(self) -> str:
        """The text/html part, decoded."""
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the message has no HTML part"
        return str(part.get_content())


class _Handler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 sink.localhost ESMTP test sink")
        mail_from, rcpt_to = "", []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink.localhost")
                self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "AUTH":
                words = command.split()
                if len(words) == 3 and words[1].upper() == "PLAIN":
                    _, user, _password = base64.b64decode(words[2]).split(b"\0", 2)
                    self.server.logins.append(user.decode("utf-8", "replace"))
                    self.reply("235 Authentication successful")
                else:
                    self.reply("504 Only AUTH PLAIN with an initial response")
            elif verb == "HELO":
                self.reply("250 sink.localhost")
            elif verb == "MAIL":
                mail_from, rcpt_to = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline(1 << 20)
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.add(ReceivedMail(mail_from, tuple(rcpt_to), b"".join(lines)))
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    """The server; `messages` holds what it received, in order."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[ReceivedMail] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink on 127.0.0.1, shut down after the test."""
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()
