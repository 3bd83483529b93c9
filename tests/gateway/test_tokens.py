"""RS256 signing and its JWKS, without processes."""

from __future__ import annotations

import jwt
from jwt.algorithms import RSAAlgorithm

from erp.gateway.domain.tokens import AccessTokenSigner
from erp.gateway.proxy.tokens import TokenVerifier
from tests.support.keys import rsa_pem_pair


def test_rs256_tokens_verify_with_the_published_key() -> None:
    private, public = rsa_pem_pair()
    signer = AccessTokenSigner(
        algorithm="RS256", ttl_seconds=60, private_key=private, public_key=public
    )
    token, jti, _ = signer.sign(subject="ann", roles=["viewer"])
    jwks = signer.jwks()
    assert jwks is not None
    (jwk,) = jwks["keys"]
    assert jwk["kid"] == jwt.get_unverified_header(token)["kid"] and jwk["alg"] == "RS256"
    published = RSAAlgorithm.from_jwk(jwk)
    claims = jwt.decode(token, published, algorithms=["RS256"], issuer="erp")  # type: ignore[arg-type]
    assert claims["sub"] == "ann" and claims["jti"] == jti
    ident = TokenVerifier(secret=None, public_key=public).verify_header(f"Bearer {token}".encode())
    assert ident.sub == "ann"


def test_hs256_signer_has_no_jwks() -> None:
    signer = AccessTokenSigner(algorithm="HS256", ttl_seconds=60, secret="s" * 40)
    assert signer.jwks() is None
