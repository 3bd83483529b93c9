"""HEAD on a GET route of a real `erp serve` process: GET's head, no body (RFC 9110 9.3.2)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import httpx

from erp.platform.auth import mint_token
from tests.support.processes import erp_command, erp_process

SECRET = "head-test-secret-0123456789-0123456789-01"


def _read_response(
    sock: socket.socket, buffer: bytes, *, head_only: bool = False
) -> tuple[bytes, bytes, bytes]:
    """(head, body by content-length, what is left) from a keep-alive connection."""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, rest = buffer.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    if head_only:
        length = 0
    while len(rest) < length:
        rest += sock.recv(65536)
    return head, rest[:length], rest[length:]


def test_head_answers_gets_head_without_a_body(tmp_path: Path) -> None:
    env = {"ERP_DATA_DIR": str(tmp_path), "ERP_JWT_SECRET": SECRET}
    subprocess.run(
        erp_command("migrate", "inventory"), env={**os.environ, **env}, check=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    auth = f"Authorization: Bearer {mint_token(SECRET, subject='t', roles=['viewer'])}\r\n"
    with erp_process(["serve", "inventory"], env, tmp_path) as server:
        server.wait_ready()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            request = "{} /items HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
            sock.sendall(request.format("GET").encode())
            get_head, get_body, left = _read_response(sock, b"")
            sock.sendall(request.format("HEAD").encode())
            head_head, _, left = _read_response(sock, left, head_only=True)
            # The next answer on the same connection starts right after HEAD's head: a body
            # sent after it would be read here instead.
            sock.sendall(request.format("GET").encode())
            again, again_body, _ = _read_response(sock, left)
        metrics = httpx.get(server.url + "/metrics").text
    assert head_head.startswith(b"HTTP/1.1 200 ") and get_head.startswith(b"HTTP/1.1 200 ")
    assert f"content-length: {len(get_body)}".encode() in head_head.lower()
    assert again.startswith(b"HTTP/1.1 200 ") and again_body == get_body
    assert any(
        line.startswith("erp_http_requests_total{")
        and 'method="HEAD"' in line
        and 'route="/items"' in line
        for line in metrics.splitlines()
    )
