"""One table of tokens, one verdict each, for both verifiers: the services' (erp.platform.auth)
and the proxy engine's (erp.gateway.proxy.tokens). A token one accepts the other accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from erp.gateway.proxy.tokens import TokenRejectedError
from erp.gateway.proxy.tokens import TokenVerifier as ProxyVerifier
from erp.platform.auth import TokenVerifier as PlatformVerifier
from erp.platform.errors import Unauthorized
from tests.support.keys import rsa_pem_pair

SECRET = "token-rules-shared-secret-0123456789-abcdef"
OTHER_SECRET = "another-shared-secret-0123456789-abcdefgh"
NOW = int(time.time())
# The table is built when the module is collected and may run many minutes later in a full
# suite: good tokens stay valid, and not-yet-valid ones stay in the future, for a day.
DAY = 24 * 3600


PRIVATE, PUBLIC = rsa_pem_pair()
OTHER_PRIVATE, _ = rsa_pem_pair()

# Which keys the verifiers hold: the shared secret (HS256), the public key (RS256), or both.
KEYS: dict[str, tuple[str | None, str | None]] = {
    "hmac": (SECRET, None),
    "rsa": (None, PUBLIC),
    "both": (SECRET, PUBLIC),
}


def claims(**changes: Any) -> dict[str, Any]:
    """Good access-token claims; a change of None drops that claim."""
    base: dict[str, Any] = {
        "sub": "ann",
        "roles": ["accountant"],
        "iat": NOW,
        "exp": NOW + DAY,
        "iss": "erp",
        "typ": "access",
        "jti": "j-1",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def hs256(**changes: Any) -> str:
    return jwt.encode(claims(**changes), SECRET, algorithm="HS256")


def rs256(**changes: Any) -> str:
    return jwt.encode(claims(**changes), PRIVATE, algorithm="RS256")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_key_as_hmac_secret() -> str:
    """HS256 "signed" with the RSA public key (PyJWT refuses to make one, so by hand)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims()).encode())
    mac = hmac.new(PUBLIC.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def hs512_with_the_secret() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # shorter than SHA-512 wants
        return jwt.encode(claims(), SECRET, algorithm="HS512")


def tampered() -> str:
    head, _, sig = hs256(roles=["viewer"]).split(".")
    return f"{head}.{_b64(json.dumps(claims(roles=['admin'])).encode())}.{sig}"


@dataclass(frozen=True)
class Case:
    token: str
    keys: str
    # (subject, roles) of an accepted token; None: refused.
    verdict: tuple[str, frozenset[str]] | None


ANN = ("ann", frozenset({"accountant"}))
TABLE: dict[str, Case] = {
    "good-hs256": Case(hs256(), "hmac", ANN),
    "good-rs256": Case(rs256(), "rsa", ANN),
    "good-hs256-both-keys": Case(hs256(), "both", ANN),
    "good-rs256-both-keys": Case(rs256(), "both", ANN),
    "good-without-jti": Case(hs256(jti=None), "hmac", ANN),
    "good-several-roles": Case(
        hs256(roles=["viewer", "admin"]), "hmac", ("ann", frozenset({"viewer", "admin"}))
    ),
    "good-no-roles": Case(hs256(roles=[]), "hmac", ("ann", frozenset())),
    "expired": Case(hs256(exp=NOW - 5), "hmac", None),
    "not-yet-valid": Case(hs256(nbf=NOW + DAY), "hmac", None),
    "typ-refresh": Case(hs256(typ="refresh"), "hmac", None),
    "typ-missing": Case(hs256(typ=None), "hmac", None),
    "role-unknown": Case(hs256(roles=["root"]), "hmac", None),
    "roles-not-a-list": Case(hs256(roles="admin"), "hmac", None),
    "roles-missing": Case(hs256(roles=None), "hmac", None),
    "sub-missing": Case(hs256(sub=None), "hmac", None),
    "sub-empty": Case(hs256(sub=""), "hmac", None),
    "sub-not-a-string": Case(hs256(sub=42), "hmac", None),
    "sub-header-injection": Case(hs256(sub="ann\r\nx-authenticated-roles: admin"), "hmac", None),
    "exp-missing": Case(hs256(exp=None), "hmac", None),
    "exp-not-a-number": Case(hs256(exp="later"), "hmac", None),
    "iat-missing": Case(hs256(iat=None), "hmac", None),
    "iss-missing": Case(hs256(iss=None), "hmac", None),
    "iss-other": Case(hs256(iss="someone-else"), "hmac", None),
    "alg-hs512-with-the-secret": Case(hs512_with_the_secret(), "hmac", None),
    "alg-rs512-with-the-private-key": Case(
        jwt.encode(claims(), PRIVATE, algorithm="RS512"), "rsa", None
    ),
    "alg-rs256-to-a-secret-only-verifier": Case(rs256(), "hmac", None),
    "alg-hs256-to-a-public-key-only-verifier": Case(hs256(), "rsa", None),
    "alg-none": Case(jwt.encode(claims(), None, algorithm="none"), "hmac", None),  # type: ignore[arg-type]
    "alg-none-both-keys": Case(jwt.encode(claims(), None, algorithm="none"), "both", None),  # type: ignore[arg-type]
    "wrong-secret": Case(jwt.encode(claims(), OTHER_SECRET, algorithm="HS256"), "hmac", None),
    "wrong-rsa-key": Case(jwt.encode(claims(), OTHER_PRIVATE, algorithm="RS256"), "rsa", None),
    "public-key-as-hmac-secret": Case(public_key_as_hmac_secret(), "rsa", None),
    "public-key-as-hmac-secret-both-keys": Case(public_key_as_hmac_secret(), "both", None),
    "tampered-payload": Case(tampered(), "hmac", None),
    "garbage": Case("not.a.jwt", "hmac", None),
    "empty": Case("", "hmac", None),
}


def platform(token: str, secret: str | None, public: str | None) -> Any:
    try:
        principal = PlatformVerifier(secret, public_key=public).verify(token)
    except Unauthorized:
        return None
    return principal.username, principal.roles


def proxy(token: str, secret: str | None, public: str | None) -> Any:
    verifier = ProxyVerifier(secret=secret, public_key=public)
    try:
        ident = verifier.verify_header(b"Bearer " + token.encode())
    except TokenRejectedError:
        return None
    return ident.sub, frozenset(ident.roles)


VERIFIERS: dict[str, Callable[[str, str | None, str | None], Any]] = {
    "platform": platform,
    "proxy": proxy,
}


@pytest.mark.parametrize("verifier", list(VERIFIERS))
@pytest.mark.parametrize("case", list(TABLE))
def test_verdict(case: str, verifier: str) -> None:
    row = TABLE[case]
    secret, public = KEYS[row.keys]
    assert VERIFIERS[verifier](row.token, secret, public) == row.verdict


def test_the_table_covers_both_outcomes_and_every_key_kind() -> None:
    verdicts = [row.verdict is None for row in TABLE.values()]
    assert any(verdicts) and not all(verdicts)
    assert {row.keys for row in TABLE.values()} == set(KEYS)


def test_the_proxy_refuses_another_issuer_or_token_type() -> None:
    with pytest.raises(ValueError, match="issued by"):
        ProxyVerifier(secret=SECRET, issuer="someone-else")
    with pytest.raises(ValueError, match="issued by"):
        ProxyVerifier(secret=SECRET, token_type="refresh")


@pytest.mark.parametrize("make", [PlatformVerifier, lambda: ProxyVerifier(secret=None)])
def test_a_verifier_needs_a_key(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="secret or a public key"):
        make()
