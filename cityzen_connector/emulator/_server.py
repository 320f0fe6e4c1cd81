"""Serving the emulator over HTTP (waitress, multi-threaded) or HTTPS.

waitress does not terminate TLS, so ``tls=True`` serves the same WSGI app from the standard
library's threaded WSGI server over an SSL socket, with a self-signed certificate generated at
start (``cryptography``) whose path is returned so that clients can trust it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import waitress
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from waitress import wasyncore

from cityzen_connector._private import private_folder, write_private
from cityzen_connector.emulator._errors import ServeError


@dataclass
class ServerHandle:
    url: str
    cert_path: Path | None
    _stop: Callable[[], None]
    _join: Callable[[], None]

    def stop(self) -> None:
        self._stop()
        self._join()


def generate_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for ``host``, ``127.0.0.1`` and ``localhost`` (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CityZen Dataverse emulator")])
    now = dt.datetime.now(dt.UTC)
    alt: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    try:
        if host != "127.0.0.1":
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    try:
        # The folder also holds the emulator's database: private, like both files (the key
        # never exists readable by others, even for a moment).
        private_folder(folder)
        cert_path, key_path = folder / "emulator-cert.pem", folder / "emulator-key.pem"
        write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    except OSError as exc:
        raise ServeError(f"cannot write the TLS certificate to {folder}: {exc}") from exc
    return cert_path, key_path


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # waitress sets TCP_NODELAY only on sockets it binds itself; accepted sockets inherit
        # it from the listener, and without it headers and body wait on Nagle's algorithm.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(address)
    except OSError as exc:
        listener.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return listener


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return  # request lines may carry personal data in URLs (RGPD): never logged


class _TlsHandler(_QuietHandler):
    def get_environ(self) -> dict[str, str]:
        # wsgiref derives wsgi.url_scheme from the CGI variable HTTPS (wsgiref.util.guess_scheme)
        # and never sets it itself: without it every absolute URL the emulator sends (nextLink,
        # OData-EntityId) would say http:// to a client that called https://.
        environ = super().get_environ()
        environ["HTTPS"] = "on"
        return environ


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 7072,
    *,
    tls: bool = False,
    cert_dir: Path | None = None,
    threads: int = 8,
) -> ServerHandle:
    """Start serving ``app`` in a background thread; ``port=0`` picks a free port."""
    if not tls:
        # Bind first ourselves: on a port in use waitress would leak its half-built sockets.
        listener = _bind(host, port)
        # waitress reads asyncore_loop_timeout as an int: a fraction (0.2) became 0, a poll
        # that never waits, and an idle emulator spun a core. Stopping wakes the loop through
        # its trigger, so the default one-second timeout costs nothing at shutdown.
        server = waitress.create_server(app, sockets=[listener], threads=threads, ident=None)
        thread = threading.Thread(target=server.run, name="emulator-http", daemon=True)
        thread.start()

        def stop_waitress() -> None:
            # Close every socket from inside waitress's own loop (through its trigger), so
            # the loop ends with an empty map and no worker writes to a closed trigger.
            def close_all() -> None:
                for channel in list(server._map.values()):
                    channel.close()

            # EBADF: the loop already ended with an empty map and closed its trigger (as the
            # local host's server meets under load): nothing is left to pull.
            with contextlib.suppress(OSError):
                server.trigger.pull_trigger(close_all)
            thread.join(timeout=10)
            server.task_dispatcher.shutdown()
            if not thread.is_alive():
                # The loop is over: what it did not close is ours to close.
                wasyncore.close_all(server._map, ignore_all=True)

        url = f"http://{host}:{listener.getsockname()[1]}"
        return ServerHandle(url, None, stop_waitress, lambda: None)
    cert_path, key_path = generate_certificate(cert_dir or Path(".cityzen"), host)
    try:
        httpd = _ThreadingServer((host, port), _TlsHandler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    httpd.set_app(app)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, name="emulator-https", daemon=True)
    thread.start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()

    def join() -> None:
        thread.join(timeout=10)

    return ServerHandle(f"https://{host}:{httpd.server_address[1]}", cert_path, stop, join)
