"""The sync summary email: a real SMTP server on loopback receives it (seed 003 notify)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import CallboardError
from engine.sync.notify import redact_smtp_url, send_summary, smtp_settings

from .smtp_server import free_port, self_signed_tls, smtp_server

SUBJECT = "Data Sync members: 12 added, 3 removed"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

BODY = "members: 12 added, 3 removed, 0 re-synced, 0 rejected\nAPI calls: 9, 429s: 0\n"


def test_summary_reaches_every_recipient_with_subject_and_body() -> None:
    with smtp_server() as mailbox:
        send_summary(f"smtp://127.0.0.1:{mailbox.port}", ["ops@example.org", "box@example.org"],
                     SUBJECT, BODY, sender="callboard@example.org")
    [mail] = mailbox.mails
    assert mail.recipients == ["ops@example.org", "box@example.org"]
    assert mail.sender == "callboard@example.org"
    assert mail.message["Subject"] == SUBJECT
    assert mail.message["To"] == "ops@example.org, box@example.org"
    received_body = mail.message.get_payload(decode=True).decode()
    assert received_body.replace("\r\n", "\n") == BODY  # SMTP carries CRLF line ends
    assert mail.login is None


def test_login_with_percent_encoded_credentials_and_from_option() -> None:
    with smtp_server(login=("ops@example.org", "p@ss:w/rd")) as mailbox:
        url = (f"smtp://ops%40example.org:p%40ss%3Aw%2Frd@127.0.0.1:{mailbox.port}"
               "?from=sync@example.org")
        send_summary(url, ["ops@example.org"], SUBJECT, BODY)
    [mail] = mailbox.mails
    assert mail.login == "ops@example.org"
    assert mail.sender == "sync@example.org"


def test_wrong_password_is_a_clear_error_that_never_shows_the_password() -> None:
    with smtp_server(login=("ops", "right-one")) as mailbox, \
            pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:Wr0ngSecret@127.0.0.1:{mailbox.port}", ["ops@example.org"],
                     SUBJECT, BODY)
    assert f"127.0.0.1:{mailbox.port} refused the login of 'ops'" in str(refused.value)
    assert "Wr0ngSecret" not in str(refused.value)
    assert mailbox.mails == []


def test_unreachable_server_names_the_server_but_not_the_password() -> None:
    port = free_port()
    with pytest.raises(CallboardError) as failed:
        send_summary(f"smtp://ops:TopSecret@127.0.0.1:{port}?timeout=5", ["ops@example.org"],
                     SUBJECT, BODY)
    message = str(failed.value)
    assert f"could not send the sync summary through SMTP server 127.0.0.1:{port}" in message
    assert "TopSecret" not in message


def test_starttls_upgrades_before_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("cryptography")
    context, cert_file = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with smtp_server(login=("ops", "secret"), starttls=context) as mailbox:
        send_summary(f"smtp://ops:secret@localhost:{mailbox.port}?starttls=1",
                     ["ops@example.org"], SUBJECT, BODY)
    assert [mail.login for mail in mailbox.mails] == ["ops"]


def test_implicit_tls_with_smtps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("cryptography")
    context, cert_file = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with smtp_server(implicit_tls=context) as mailbox:
        send_summary(f"smtps://localhost:{mailbox.port}", ["ops@example.org"], SUBJECT, BODY)
    assert [mail.message["Subject"] for mail in mailbox.mails] == [SUBJECT]


def test_starttls_asked_of_a_server_without_it_fails_instead_of_sending_in_clear() -> None:
    with smtp_server() as mailbox, pytest.raises(CallboardError, match="STARTTLS"):
        send_summary(f"smtp://127.0.0.1:{mailbox.port}?starttls=1", ["ops@example.org"],
                     SUBJECT, BODY)
    assert mailbox.mails == []


def test_url_defaults_ports_by_scheme_and_starttls() -> None:
    assert smtp_settings("smtp://mail.example.org").port == 25
    assert smtp_settings("smtp://mail.example.org?starttls=1").port == 587
    assert smtp_settings("smtps://mail.example.org").port == 465
    assert smtp_settings("smtp://mail.example.org:2525?starttls=yes").port == 2525
    settings = smtp_settings("smtps://a%20b:c%2Fd@mail.example.org")
    assert (settings.username, settings.password, settings.implicit_tls) == ("a b", "c/d", True)
    assert "c/d" not in repr(settings)


@pytest.mark.parametrize(("url", "says"), [
    ("http://mail.example.org", "must start with smtp:// or smtps://"),
    ("smtp://", "names no host"),
    ("smtp://mail.example.org:99999", "port that is not a number"),
    ("smtp://mail.example.org?starttl=1", "unknown option(s) starttl"),
    ("smtp://mail.example.org?starttls=maybe", "starttls='maybe' should be 1 or 0"),
    ("smtps://mail.example.org?starttls=1", "smtps:// is already TLS"),
    ("smtp://mail.example.org?timeout=soon", "timeout='soon' should be a number"),
])
def test_bad_urls_are_refused_with_what_to_write(url: str, says: str) -> None:
    with pytest.raises(CallboardError) as refused:
        smtp_settings(url)
    assert says in str(refused.value)


def test_errors_about_the_url_redact_the_password() -> None:
    with pytest.raises(CallboardError) as refused:
        smtp_settings("smtp://ops:Hunter2@mail.example.org?tls=1")
    assert "Hunter2" not in str(refused.value)
    assert "smtp://ops:***@mail.example.org?tls=1" in str(refused.value)
    assert redact_smtp_url("smtp://mail.example.org") == "smtp://mail.example.org"


def test_no_recipients_is_an_error_not_a_silent_skip() -> None:
    with pytest.raises(CallboardError, match="no recipients"):
        send_summary("smtp://127.0.0.1:25", [], SUBJECT, BODY)
