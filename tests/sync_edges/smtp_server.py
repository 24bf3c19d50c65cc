"""A real SMTP server on loopback (aiosmtpd) that keeps what it received, for notify tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.served_process import free_port  # one definition for every test server


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: Message
    login: str | None


@dataclass
class Mailbox:
    """What the server accepted, and who logged in."""

    port: int
    mails: list[ReceivedMail] = field(default_factory=list)


class _Keeper:
    def __init__(self, mailbox: Mailbox, refuse: dict[str, str]) -> None:
        self.mailbox = mailbox
        self.refuse = refuse

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = getattr(session.auth_data, "login", None)
        self.mailbox.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                               message_from_bytes(envelope.content),
                                               login.decode() if login else None))
        return "250 OK"


@contextmanager
def smtp_server(*, login: tuple[str, str] | None = None, starttls: ssl.SSLContext | None = None,
                implicit_tls: ssl.SSLContext | None = None,
                refuse: dict[str, str] | None = None) -> Iterator[Mailbox]:
    """Serve SMTP on 127.0.0.1; with ``login`` every message needs that user and password;
    ``refuse`` maps a sender or recipient address to the reply that turns it away."""
    mailbox = Mailbox(port=free_port())

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and login is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == login)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": mailbox.port}
    if login is not None:
        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=starttls is not None)
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        options.update(ssl_context=implicit_tls, server_hostname="localhost")
    controller = Controller(_Keeper(mailbox, refuse or {}), **options)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context and the certificate file a client trusts, for 127.0.0.1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


@contextmanager
def scripted_smtp_server(replies: dict[str, bytes], *, silent_for: float = 0.0) -> Iterator[int]:
    """A bare SMTP server on 127.0.0.1 for what aiosmtpd will not do: answer each command verb
    (``EHLO``, ``AUTH``, ``MAIL``...) with the raw bytes given (any encoding), or stay silent
    for ``silent_for`` seconds after accepting the connection, then hang up. Yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    done = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                if silent_for:
                    done.wait(silent_for)  # or until the test is over
                    return
                connection.sendall(b"220 scripted ESMTP\r\n")
                lines = connection.makefile("rb")
                for line in lines:
                    verb = line.split(b" ", 1)[0].strip().upper().decode()
                    if verb == "DATA" and "DATA" not in replies:
                        connection.sendall(b"354 go on\r\n")
                        while next(lines, b".\r\n").rstrip(b"\r\n") != b".":
                            pass
                    default = b"221 bye" if verb == "QUIT" else b"250 OK"
                    connection.sendall(replies.get(verb, default) + b"\r\n")
                    if verb == "QUIT":
                        return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        done.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes an accept() still waiting
        listener.close()
        thread.join(timeout=10)
