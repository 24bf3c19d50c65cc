"""The sync summary email: a real SMTP server on loopback receives it (seed 003 notify)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from engine.errors import CallboardError
from engine.sync.notify import redact_smtp_url, send_summary, smtp_settings

from .smtp_server import free_port, scripted_smtp_server, self_signed_tls, smtp_server

SUBJECT = "Data Sync members: 12 added, 3 removed"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

BODY = "members: 12 added, 3 removed, 0 re-synced, 0 rejected\nAPI calls: 9, 429s: 0\n"


def test_summary_reaches_every_recipient_with_subject_and_body(
        caplog: pytest.LogCaptureFixture) -> None:
    with smtp_server() as mailbox, caplog.at_level(logging.INFO, logger="engine.sync.notify"):
        send_summary(f"smtp://127.0.0.1:{mailbox.port}", ["ops@example.org", "box@example.org"],
                     SUBJECT, BODY, sender="callboard@example.org")
    [mail] = mailbox.mails
    assert mail.recipients == ["ops@example.org", "box@example.org"]
    assert mail.sender == "callboard@example.org"
    assert mail.message["From"] == "callboard@example.org"
    assert mail.message["Subject"] == SUBJECT
    assert mail.message["To"] == "ops@example.org, box@example.org"
    received_body = mail.message.get_payload(decode=True).decode()
    assert received_body.replace("\r\n", "\n") == BODY  # SMTP carries CRLF line ends
    assert mail.login is None
    # Dated in the sender's own zone (a mail client shows it), identified under its domain.
    sent = parsedate_to_datetime(mail.message["Date"])
    assert sent.utcoffset() == dt.datetime.now().astimezone().utcoffset()
    assert abs(dt.datetime.now(dt.UTC) - sent) < dt.timedelta(minutes=5)
    assert re.fullmatch(r"<[^@<>]+@example\.org>", mail.message["Message-ID"])
    # ``callboard sync run -v`` shows where the summary went.
    assert caplog.messages == [f"notify: sent {SUBJECT!r} to 2 recipient(s) via "
                               f"127.0.0.1:{mailbox.port}"]


def test_message_id_uses_the_domain_after_the_last_at_sign() -> None:
    sender = '"ops@home"@example.org'  # a quoted local part may hold an @
    with smtp_server() as mailbox:
        send_summary(f"smtp://127.0.0.1:{mailbox.port}", ["ops@example.org"], SUBJECT, BODY,
                     sender=sender)
    [mail] = mailbox.mails
    assert re.fullmatch(r"<[^@<>]+@example\.org>", mail.message["Message-ID"])


def test_login_with_percent_encoded_credentials_and_from_option() -> None:
    with smtp_server(login=("ops@example.org", "p@ss:w/rd")) as mailbox:
        url = (f"smtp://ops%40example.org:p%40ss%3Aw%2Frd@127.0.0.1:{mailbox.port}"
               "?from=sync@example.org")
        send_summary(url, ["ops@example.org"], SUBJECT, BODY)
    [mail] = mailbox.mails
    assert mail.login == "ops@example.org"
    assert mail.sender == "sync@example.org"


def test_without_from_the_sender_is_the_login_when_it_is_an_address() -> None:
    with smtp_server(login=("ops@example.org", "secret")) as mailbox:
        send_summary(f"smtp://ops%40example.org:secret@127.0.0.1:{mailbox.port}",
                     ["ops@example.org"], SUBJECT, BODY)
    assert [(mail.sender, mail.message["From"]) for mail in mailbox.mails] == [
        ("ops@example.org", "ops@example.org")]


def test_without_from_a_login_that_is_no_address_sends_as_callboard_at_localhost() -> None:
    with smtp_server(login=("ops", "")) as mailbox:  # a user without a password logs in with ""
        send_summary(f"smtp://ops@127.0.0.1:{mailbox.port}", ["ops@example.org"], SUBJECT, BODY)
    assert [(mail.login, mail.sender) for mail in mailbox.mails] == [
        ("ops", "callboard@localhost")]


def test_wrong_password_is_a_clear_error_that_never_shows_the_password() -> None:
    with smtp_server(login=("ops", "right-one")) as mailbox, \
            pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:Wr0ngSecret@127.0.0.1:{mailbox.port}", ["ops@example.org"],
                     SUBJECT, BODY)
    assert str(refused.value) == (f"SMTP server 127.0.0.1:{mailbox.port} refused the login of "
                                  "'ops': 535 5.7.8 Authentication credentials invalid")
    assert mailbox.mails == []


def test_a_server_echoing_the_password_never_gets_it_shown() -> None:
    # Plain and percent-encoded, in a reply that is not even UTF-8.
    replies = {"EHLO": b"250-scripted\r\n250 AUTH PLAIN",
               "AUTH": b"535 5.7.8 p/ss (p%2Fss) is wrong \xe9t\xe9"}
    with scripted_smtp_server(replies) as port, pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:p%2Fss@127.0.0.1:{port}", ["ops@example.org"], SUBJECT, BODY)
    assert str(refused.value) == (f"SMTP server 127.0.0.1:{port} refused the login of 'ops': "
                                  "535 5.7.8 *** (***) is wrong \ufffdt\ufffd")


def test_a_refused_sender_says_how_to_set_another() -> None:
    refuse = {"callboard@example.org": "553 5.7.1 sender not allowed"}
    with smtp_server(refuse=refuse) as mailbox, pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://127.0.0.1:{mailbox.port}", ["ops@example.org"], SUBJECT, BODY,
                     sender="callboard@example.org")
    assert str(refused.value) == (
        f"SMTP server 127.0.0.1:{mailbox.port} refused the sender 'callboard@example.org': "
        "553 5.7.1 sender not allowed; set ?from=ADDRESS in CALLBOARD_SMTP_URL")


REFUSING = {"a@example.org": "550 5.1.1 no such mailbox", "c@example.org": "551 5.1.6 moved"}


def test_recipients_refused_are_named_with_the_servers_reply_and_the_rest_still_get_it() -> None:
    with smtp_server(refuse=REFUSING) as mailbox, pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://127.0.0.1:{mailbox.port}",
                     ["c@example.org", "b@example.org", "a@example.org"], SUBJECT, BODY)
    assert str(refused.value) == (
        f"SMTP server 127.0.0.1:{mailbox.port} refused some recipients of the sync summary: "
        "a@example.org (550 5.1.1 no such mailbox); c@example.org (551 5.1.6 moved)")
    assert [mail.recipients for mail in mailbox.mails] == [["b@example.org"]]


def test_a_recipient_refusal_echoing_the_password_never_shows_it() -> None:
    echoing = {"a@example.org": "550 5.7.1 ops/pw-7Qz may not send to this mailbox"}
    with smtp_server(login=("ops", "pw-7Qz"), refuse=echoing) as mailbox, \
            pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:pw-7Qz@127.0.0.1:{mailbox.port}",
                     ["a@example.org", "b@example.org"], SUBJECT, BODY)
    assert str(refused.value) == (
        f"SMTP server 127.0.0.1:{mailbox.port} refused some recipients of the sync summary: "
        "a@example.org (550 5.7.1 ops/*** may not send to this mailbox)")
    assert [mail.recipients for mail in mailbox.mails] == [["b@example.org"]]


def test_every_recipient_refused_is_named_and_nothing_is_sent() -> None:
    with smtp_server(refuse=REFUSING) as mailbox, pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://127.0.0.1:{mailbox.port}", ["c@example.org", "a@example.org"],
                     SUBJECT, BODY)
    assert str(refused.value) == (
        f"SMTP server 127.0.0.1:{mailbox.port} refused every recipient of the sync summary: "
        "a@example.org (550 5.1.1 no such mailbox); c@example.org (551 5.1.6 moved)")
    assert mailbox.mails == []


@pytest.mark.parametrize("password", ["TopSecret", "the"])  # "the": a common word, kept whole
def test_unreachable_server_names_the_server_but_not_the_password(password: str) -> None:
    port = free_port()
    with pytest.raises(CallboardError) as failed:
        send_summary(f"smtp://ops:{password}@127.0.0.1:{port}?timeout=5", ["ops@example.org"],
                     SUBJECT, BODY)
    assert str(failed.value) == (f"could not send the sync summary through SMTP server "
                                 f"127.0.0.1:{port}: [Errno 111] Connection refused")


def test_a_server_that_never_answers_times_out_as_the_url_says() -> None:
    # It hangs up after 5 s; the URL's half a second must end the wait long before.
    with scripted_smtp_server({}, silent_for=5) as port, pytest.raises(CallboardError) as failed:
        send_summary(f"smtp://127.0.0.1:{port}?timeout=0.5", ["ops@example.org"], SUBJECT, BODY)
    assert str(failed.value) == (f"could not send the sync summary through SMTP server "
                                 f"127.0.0.1:{port}: Connection unexpectedly closed: timed out")


def test_an_smtps_server_that_never_answers_times_out_as_the_url_says() -> None:
    with scripted_smtp_server({}, silent_for=5) as port, pytest.raises(CallboardError) as failed:
        send_summary(f"smtps://127.0.0.1:{port}?timeout=0.5", ["ops@example.org"], SUBJECT,
                     BODY)
    message = str(failed.value)  # ssl names its own source line in between
    assert message.startswith(f"could not send the sync summary through SMTP server "
                              f"127.0.0.1:{port}: _ssl.c:")
    assert message.endswith(": The handshake operation timed out")


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


@pytest.mark.parametrize("scheme", ["smtps", "smtp"])
def test_a_certificate_the_system_does_not_trust_is_refused(tmp_path: Path,
                                                             scheme: str) -> None:
    pytest.importorskip("cryptography")
    context, _ = self_signed_tls(tmp_path)
    tls = {"implicit_tls": context} if scheme == "smtps" else {"starttls": context}
    with smtp_server(**tls) as mailbox, pytest.raises(CallboardError) as refused:
        send_summary(f"{scheme}://localhost:{mailbox.port}"
                     + ("?starttls=1" if scheme == "smtp" else ""),
                     ["ops@example.org"], SUBJECT, BODY)
    assert str(refused.value) == (f"TLS with SMTP server localhost:{mailbox.port} failed: "
                                  "CERTIFICATE_VERIFY_FAILED")
    assert mailbox.mails == []


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


def test_timeouts_from_one_second_to_ten_minutes_are_taken() -> None:
    assert [smtp_settings(f"smtp://mail.example.org?timeout={seconds}").timeout
            for seconds in ("1", "600", "2.5")] == [1.0, 600.0, 2.5]


@pytest.mark.parametrize(("url", "says"), [
    ("http://mail.example.org", "'http://mail.example.org' must start with smtp:// or smtps://, "
     "e.g. smtp://user:pass@mail.example.org:587?starttls=1"),
    ("smtp://", "'smtp://' names no host, e.g. smtp://mail.example.org"),
    ("smtp://mail.example.org:99999",
     "'smtp://mail.example.org:99999' has a port that is not a number from 1 to 65535"),
    ("smtp://mail.example.org?starttl=1", "'smtp://mail.example.org?starttl=1' has unknown "
     "option(s) starttl; known: starttls, timeout, from"),
    ("smtp://mail.example.org?user=a&tls=", "'smtp://mail.example.org?user=a&tls=' has unknown "
     "option(s) tls, user; known: starttls, timeout, from"),
    ("smtp://mail.example.org?starttls=maybe",
     "'smtp://mail.example.org?starttls=maybe': starttls='maybe' should be 1 or 0"),
    ("smtps://mail.example.org?starttls=1", "'smtps://mail.example.org?starttls=1': smtps:// "
     "is already TLS; drop starttls=1 or use smtp://"),
    ("smtp://mail.example.org?timeout=soon", "'smtp://mail.example.org?timeout=soon': "
     "timeout='soon' should be a number of seconds from 1 to 600"),
    ("smtp://mail.example.org?timeout=", "'smtp://mail.example.org?timeout=': "
     "timeout='' should be a number of seconds from 1 to 600"),
    ("smtp://mail.example.org?timeout=600.5", "'smtp://mail.example.org?timeout=600.5': "
     "timeout='600.5' should be a number of seconds from 1 to 600"),
    ("smtp://:Hunter2@mail.example.org",
     "'smtp://:***@mail.example.org' has a password but no user name"),
    ("smtp://ops:s%C3%BC@mail.example.org", "'smtp://ops:***@mail.example.org': the user name "
     "and password must be ASCII, as SMTP login sends them (use an app password, or another "
     "account)"),
    ("smtp://j%C3%B6rg:pw@mail.example.org", "'smtp://j%C3%B6rg:***@mail.example.org': the "
     "user name and password must be ASCII, as SMTP login sends them (use an app password, or "
     "another account)"),
])
def test_bad_urls_are_refused_with_what_to_write(url: str, says: str) -> None:
    with pytest.raises(CallboardError) as refused:
        smtp_settings(url)
    assert str(refused.value) == f"CALLBOARD_SMTP_URL {says}"


def test_errors_about_the_url_redact_the_password() -> None:
    with pytest.raises(CallboardError) as refused:
        smtp_settings("smtp://ops:Hunter2@mail.example.org?tls=1")
    assert "Hunter2" not in str(refused.value)
    assert "smtp://ops:***@mail.example.org?tls=1" in str(refused.value)
    assert redact_smtp_url("smtp://mail.example.org") == "smtp://mail.example.org"
    # A user name with its @ left unencoded: the password is what follows the last @'s user.
    assert (redact_smtp_url("smtp://ops@example.org:Hunter2@mail.example.org")
            == "smtp://ops@example.org:***@mail.example.org")


def test_no_recipients_is_an_error_not_a_silent_skip() -> None:
    with pytest.raises(CallboardError) as refused:
        send_summary("smtp://127.0.0.1:25", [], SUBJECT, BODY)
    assert str(refused.value) == ("the sync summary has no recipients: list them in the sync's "
                                  "notify")


@pytest.mark.parametrize("password", ["in", "the", "su", "login", "SMTP", ""])
def test_a_short_or_common_word_password_leaves_the_words_around_it_whole(password: str) -> None:
    # Before: every occurrence was masked, "refused *** login of", "credentials ***valid".
    with smtp_server(login=("ops", "right-one")) as mailbox, \
            pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:{password}@127.0.0.1:{mailbox.port}", ["ops@example.org"],
                     SUBJECT, BODY)
    assert str(refused.value) == (f"SMTP server 127.0.0.1:{mailbox.port} refused the login of "
                                  "'ops': 535 5.7.8 Authentication credentials invalid")


@pytest.mark.parametrize(("in_url", "reply", "shown"), [
    # "su" stands alone, and inside "support" and "result": only the password itself is
    # masked (before, the reply read "*** wrong ***: call ***pport")
    ("su", b"535 su: wrong (su), user ops:su@host; the result: call support",
     "535 ***: wrong (***), user ops:***@host; the result: call support"),
    # a word character on either edge needs no word character beside it there
    ("a-1", b"535 a-1 refused; ta-1 and a-12 are other words",
     "535 *** refused; ta-1 and a-12 are other words"),
    # "a%" percent-encoded is "a%25": the longer form is masked whole
    ("a%25", b"535 a%25 (a%) is wrong", "535 *** (***) is wrong"),
    # an edge that is no word character stands apart from anything beside it: "#pw1!"
    # glued between two words is still the password
    ("%23pw1%21", b"535 user#pw1!x rejected", "535 user***x rejected"),
])
def test_an_echoed_password_is_masked_on_its_own_but_not_inside_a_word(
        in_url: str, reply: bytes, shown: str) -> None:
    replies = {"EHLO": b"250-scripted\r\n250 AUTH PLAIN", "AUTH": reply}
    with scripted_smtp_server(replies) as port, pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://ops:{in_url}@127.0.0.1:{port}", ["ops@example.org"], SUBJECT,
                     BODY)
    assert str(refused.value) == (f"SMTP server 127.0.0.1:{port} refused the login of 'ops': "
                                  f"{shown}")


def test_a_user_name_that_is_the_password_is_not_shown_either() -> None:
    with smtp_server(login=("ops", "right-one")) as mailbox, \
            pytest.raises(CallboardError) as refused:
        send_summary(f"smtp://admin:admin@127.0.0.1:{mailbox.port}", ["ops@example.org"],
                     SUBJECT, BODY)
    assert str(refused.value) == (f"SMTP server 127.0.0.1:{mailbox.port} refused the login of "
                                  "'***': 535 5.7.8 Authentication credentials invalid")


def test_a_password_beyond_ascii_is_a_clear_error_not_a_crash_mid_login() -> None:
    # smtplib encodes the login as ASCII: it raised UnicodeEncodeError, which no caller
    # expected, so 'sync run --all' stopped at the first sync with notify.
    with smtp_server(login=("ops", "s\u00fc")) as mailbox, \
            pytest.raises(CallboardError, match="must be ASCII"):
        send_summary(f"smtp://ops:s%C3%BC@127.0.0.1:{mailbox.port}", ["ops@example.org"],
                     SUBJECT, BODY)
    assert mailbox.mails == []
