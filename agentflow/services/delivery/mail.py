"""Outgoing mail (password resets, invitations): SMTP when configured, else the log.

Without SMTP the whole message, link included, is written to the server log, so a
self-hosted instance without mail still lets people reset a password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from agentflow.settings import Settings


class Sender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class LogSender:
    """Without SMTP the message, link included, is written to the server log."""

    def send(self, to: str, subject: str, body: str) -> None:
        logging.getLogger("agentflow.mail").warning(
            "no SMTP configured; message for %s: %s\n%s", to, subject, body
        )


class SmtpSender:
    """smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465."""

    def __init__(self, url: str, from_address: str) -> None:
        self._url = urlsplit(url)
        self._from = from_address

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._from, to, subject
        message.set_content(body)
        url = self._url
        host = url.hostname or "localhost"
        tls = ssl.create_default_context()  # verifies the server's certificate
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, url.port or 465, timeout=30, context=tls)
        else:
            smtp = smtplib.SMTP(host, url.port or 587, timeout=30)
        with smtp:
            if url.scheme != "smtps":
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=tls)
                    smtp.ehlo()
                elif host not in ("localhost", "127.0.0.1", "::1"):
                    raise smtplib.SMTPException("the SMTP server does not offer STARTTLS")
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)


def default_sender(settings: Settings) -> Sender:
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url, settings.smtp_from)
    return LogSender()
