"""Secrets that the embedded default makes for itself so `make run` needs no configuration."""

from __future__ import annotations

import secrets
from pathlib import Path

from erp.platform.settings import ServiceSettings


def jwt_secret(settings: ServiceSettings) -> str:
    """ERP_JWT_SECRET, or (development only) a random secret kept under the data directory,
    shared by every service of this machine. Production settings refuse to start without one."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = Path(settings.data_dir) / "jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x") as handle:  # first writer wins; others read what it wrote
            handle.write(secrets.token_urlsafe(48))
        path.chmod(0o600)
    except FileExistsError:
        pass
    return path.read_text().strip()
