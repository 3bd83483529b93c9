"""With ERP_JWT_ALGORITHM=RS256 every service verifies the gateway's RS256 tokens with the
public key, and refuses anything else, including the HS256-with-the-public-key forgery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt

from erp.inventory.main import SPEC
from erp.platform.auth import ISSUER
from tests.support.clients import JWT_SECRET, service_client
from tests.support.databases import SqliteFactory
from tests.support.keys import rsa_pem_pair


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims() -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "u",
        "roles": ["viewer"],
        "iat": now,
        "exp": now + 60,
        "iss": ISSUER,
        "typ": "access",
    }


async def test_services_verify_rs256_tokens_only(
    sqlite_templates: SqliteFactory, tmp_path: Path
) -> None:
    private_pem, public_pem = rsa_pem_pair()
    url = sqlite_templates.fresh(SPEC, tmp_path)
    async with service_client(
        SPEC,
        database_url=url,
        data_dir=tmp_path,
        role=None,
        jwt_algorithm="RS256",
        jwt_public_key=public_pem,
    ) as client:
        good = jwt.encode(_claims(), private_pem, algorithm="RS256")
        response = await client.get("/items", headers={"Authorization": f"Bearer {good}"})
        assert response.status_code == 200, response.text

        hs256 = jwt.encode(_claims(), JWT_SECRET, algorithm="HS256")
        response = await client.get("/items", headers={"Authorization": f"Bearer {hs256}"})
        assert response.status_code == 401

        # The classic confusion: HS256 signed with the (public) RSA key as the HMAC secret.
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(_claims()).encode())
        mac = hmac.new(public_pem.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        forged = f"{head}.{body}.{_b64(mac)}"
        response = await client.get("/items", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
