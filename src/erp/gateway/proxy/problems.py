"""RFC 9457 problem+json responses written by the proxy itself."""

from __future__ import annotations

import json
from http import HTTPStatus

PROBLEM_BASE = "https://erp.example/problems/"


def problem_body(status: int, slug: str, detail: str) -> bytes:
    """The JSON document for one problem."""
    doc = {
        "type": PROBLEM_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def problem_response(
    status: int,
    slug: str,
    detail: str,
    *,
    request_id: str = "",
    close: bool = False,
    extra_headers: tuple[tuple[str, str], ...] = (),
    extra_lines: bytes = b"",
) -> bytes:
    """A complete HTTP/1.1 response carrying a problem document."""
    body = problem_body(status, slug, detail)
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "content-type: application/problem+json",
        f"content-length: {len(body)}",
    ]
    if request_id:
        lines.append(f"x-request-id: {request_id}")
    lines.extend(f"{name}: {value}" for name, value in extra_headers)
    if close:
        lines.append("connection: close")
    head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    return head + extra_lines + b"\r\n" + body
