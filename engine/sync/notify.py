"""The sync summary email (seed 003's notification addresses), sent over SMTP.

The server comes from one URL, ``CALLBOARD_SMTP_URL``, so a cron line carries one secret:

- ``smtp://host`` plain SMTP (port 25); ``smtp://user:pass@host?starttls=1`` upgrades with
  STARTTLS (port 587 unless given) and never falls back to plain text;
- ``smtps://user:pass@host`` implicit TLS (port 465);
- user and password are percent-encoded (``p%40ss`` for ``p@ss``); query options are
  ``starttls`` (1/0), ``timeout`` (seconds, default 30) and ``from`` (the sender address).

Errors are ``CallboardError`` lines that name the server and never the password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from engine.errors import CallboardError
from engine.secret_masking import SecretScrubber

log = logging.getLogger(__name__)

SMTP_URL_ENV = "CALLBOARD_SMTP_URL"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_SENDER = "callboard@localhost"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
_OPTIONS = ("starttls", "timeout", "from")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; ``password`` is kept out of ``repr`` so logs cannot leak it."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    sender: str | None = None

    @property
    def where(self) -> str:
        """``host:port`` as error messages show it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def smtp_settings(url: str) -> SmtpSettings:
    """Parse ``CALLBOARD_SMTP_URL``; a CallboardError says what is wrong, without the password."""
    parts = urlsplit(url.strip())
    shown = redact_smtp_url(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r} must start with smtp:// or smtps://, "
                             "e.g. smtp://user:pass@mail.example.org:587?starttls=1")
    if not parts.hostname:
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r} names no host, "
                             "e.g. smtp://mail.example.org")
    options = _options(parts.query, shown)
    starttls = _flag(options.get("starttls", "0"), "starttls", shown)
    if starttls and scheme == "smtps":
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r}: smtps:// is already TLS; drop "
                             "starttls=1 or use smtp://")
    try:
        port = parts.port
    except ValueError:
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r} has a port that is not a number "
                             "from 1 to 65535") from None
    if port is None:
        port = DEFAULT_PORTS["smtp+starttls" if starttls else scheme]
    username, password = _login(parts, shown)
    return SmtpSettings(host=parts.hostname, port=port, implicit_tls=scheme == "smtps",
                        starttls=starttls, username=username, password=password,
                        timeout=_timeout(options.get("timeout"), shown),
                        sender=options.get("from") or None)


def redact_smtp_url(url: str) -> str:
    """The URL with its password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def send_summary(smtp_url: str, recipients: list[str], subject: str, body: str, *,
                 sender: str | None = None) -> None:
    """Send one plain-text email to ``recipients``; CallboardError when any is not accepted."""
    settings = smtp_settings(smtp_url)
    if not recipients:
        raise CallboardError("the sync summary has no recipients: list them in the sync's "
                             "notify")
    from_address = sender or settings.sender or _sender_from_user(settings.username)
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    message.set_content(body)
    try:
        refused = _deliver(settings, message, from_address, recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise CallboardError(_failure(exc, settings, from_address)) from None
    if refused:
        hide = SecretScrubber(settings.password)
        raise CallboardError(f"SMTP server {hide(settings.where)} refused some recipients of "
                             f"the sync summary: {_refusals(refused, hide)}")
    log.info("notify: sent %r to %d recipient(s) via %s", subject, len(recipients),
             settings.where)


def _failure(exc: Exception, settings: SmtpSettings, from_address: str) -> str:
    """What went wrong, in one line naming the server (never the password): what the server,
    the network or the URL put in it is scrubbed, Callboard's own words are not."""
    hide = SecretScrubber(settings.password)
    server = f"SMTP server {hide(settings.where)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{server} refused the login of {hide(repr(settings.username))}: "
                f"{hide(_reply(exc.smtp_code, exc.smtp_error))}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return (f"{server} refused every recipient of the sync summary: "
                f"{_refusals(exc.recipients, hide)}")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (f"{server} refused the sender {hide(repr(from_address))}: "
                f"{hide(_reply(exc.smtp_code, exc.smtp_error))}; set ?from=ADDRESS in "
                f"{SMTP_URL_ENV}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{server} does not support what {SMTP_URL_ENV} asks for ({hide(str(exc))})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {server} failed: {hide(str(exc.reason or exc))}"
    return (f"could not send the sync summary through {server}: "
            f"{hide(str(exc) or type(exc).__name__)}")


def _deliver(settings: SmtpSettings, message: EmailMessage, sender: str,
             recipients: list[str]) -> dict[str, tuple[int, bytes]]:
    """One connection: TLS as asked, login when a user is given, then the message."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        return client.send_message(message, from_addr=sender, to_addrs=recipients)


def _login(parts: SplitResult, shown: str) -> tuple[str | None, str | None]:
    """The URL's user name and password, decoded; refused where SMTP login cannot send them."""
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r} has a password but no user name")
    if not f"{username or ''}{password or ''}".isascii():  # smtplib would crash mid-login
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r}: the user name and password must be "
                             "ASCII, as SMTP login sends them (use an app password, or "
                             "another account)")
    return username, password


def _options(query: str, shown: str) -> dict[str, str]:
    parsed = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(parsed) - set(_OPTIONS))
    if unknown:
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r} has unknown option(s) "
                             f"{', '.join(unknown)}; known: {', '.join(_OPTIONS)}")
    return {name: values[-1] for name, values in parsed.items()}


def _flag(value: str, name: str, shown: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CallboardError(f"{SMTP_URL_ENV} {shown!r}: {name}={value!r} should be 1 or 0")


def _timeout(value: str | None, shown: str) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise CallboardError(f"{SMTP_URL_ENV} {shown!r}: timeout={value!r} should be a number "
                             "of seconds from 1 to 600")
    return seconds


def _sender_from_user(username: str | None) -> str:
    return username if username and "@" in username else DEFAULT_SENDER


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()


def _refusals(refused: dict[str, tuple[int, bytes]], hide: SecretScrubber) -> str:
    """The addresses are the sync's own (its notify); the replies are the server's."""
    return "; ".join(f"{address} ({hide(_reply(code, text))})"
                     for address, (code, text) in sorted(refused.items()))
