"""What makes an access token acceptable, in one place: the services' verifier
(erp.platform.auth) and the edge proxy's both call `verify_token`, so a token one accepts the
other accepts too; the verifiers add only their caches.

No web framework here: the proxy engine, compiled apart, imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

ROLES: tuple[str, ...] = ("admin", "accountant", "warehouse", "viewer")
ISSUER = "erp"
TOKEN_TYPE = "access"
# Every claim an access token must carry (PyJWT checks exp, iat and iss values; the rest here).
REQUIRED_CLAIMS: tuple[str, ...] = ("sub", "roles", "exp", "iat", "iss", "typ")
# The algorithms each kind of key verifies. One list per key: a token naming another algorithm
# for it (HS256 "signed" with the public RSA key, `none`) is refused.
HMAC_ALGORITHMS: tuple[str, ...] = ("HS256",)
RSA_ALGORITHMS: tuple[str, ...] = ("RS256",)

# A verification key and the algorithms it may verify.
KeyRule = tuple[str, tuple[str, ...]]


class TokenRejectedError(Exception):
    """The bearer token is missing, malformed, expired, revoked or not ours."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the verified token says."""

    username: str
    roles: frozenset[str]
    expires_at: float
    jti: str | None = None


def verification_keys(secret: str | None, public_key: str | None) -> tuple[KeyRule, ...]:
    """The keys a verifier holds, each with the algorithms it verifies."""
    keys: list[KeyRule] = []
    if secret:
        keys.append((secret, HMAC_ALGORITHMS))
    if public_key:
        keys.append((public_key, RSA_ALGORITHMS))
    if not keys:
        raise ValueError("token verification needs a shared secret or a public key")
    return tuple(keys)


def decode_claims(token: str | bytes, keys: Sequence[KeyRule]) -> dict[str, Any]:
    """The claims of `token` if one of `keys` verifies its signature with an algorithm that key
    allows, and its expiry, issue time and issuer are valid."""
    reason = "no key verifies it"
    for key, algorithms in keys:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=list(algorithms),
                issuer=ISSUER,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejectedError("the token has expired") from None
        except (jwt.DecodeError, jwt.InvalidAlgorithmError, jwt.InvalidKeyError) as error:
            # Not this key's (or not a token at all): another key may still verify it.
            reason = str(error)
        except jwt.PyJWTError as error:
            # The signature is good (PyJWT checks it first); a claim is not.
            raise TokenRejectedError(f"invalid token: {error}") from None
    raise TokenRejectedError(f"invalid token: {reason}")


def check_claims(claims: Mapping[str, Any], now: float) -> Principal:
    """The caller named by verified claims, if they are an unexpired access token of ours for
    known roles."""
    for name in REQUIRED_CLAIMS:
        if claims.get(name) is None:
            raise TokenRejectedError(f"invalid token: no {name} claim")
    if claims["iss"] != ISSUER:
        raise TokenRejectedError("invalid token: not issued by this system")
    if claims["typ"] != TOKEN_TYPE:
        raise TokenRejectedError(f"invalid token: not an {TOKEN_TYPE} token")
    sub = claims["sub"]
    # The proxy forwards the subject in a header line: printable ASCII only.
    if not isinstance(sub, str) or not sub or not sub.isascii() or not sub.isprintable():
        raise TokenRejectedError("invalid token: the subject must be printable ASCII")
    roles = claims["roles"]
    if not isinstance(roles, list) or not all(isinstance(r, str) and r in ROLES for r in roles):
        raise TokenRejectedError(f"invalid token: roles must be a list of {', '.join(ROLES)}")
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise TokenRejectedError("invalid token: exp must be a number")
    if exp <= now:
        raise TokenRejectedError("the token has expired")
    jti = claims.get("jti")
    return Principal(sub, frozenset(roles), float(exp), None if jti is None else str(jti))


def verify_token(token: str | bytes, keys: Sequence[KeyRule], now: float) -> Principal:
    """Signature, algorithm and claims of an access token; raises TokenRejectedError."""
    return check_claims(decode_claims(token, keys), now)
