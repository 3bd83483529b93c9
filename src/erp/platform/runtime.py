"""The live parts of one running service, kept on `app.state.runtime`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic

from sqlalchemy import MetaData

from erp.platform.auth import TokenVerifier
from erp.platform.db import Database
from erp.platform.health import Readiness
from erp.platform.settings import S


@dataclass
class Runtime(Generic[S]):
    """Parametrised by the service's settings class: a hook annotated with `Runtime[ItsSettings]`
    gets its own fields type-checked (a bare `Runtime` leaves them unchecked)."""

    service: str
    settings: S
    db: Database
    readiness: Readiness
    token_verifier: TokenVerifier
    jwt_secret: str
    metadata: MetaData
    # Filled by the event backbone and service hooks (publisher, consumers, clients...).
    extras: dict[str, Any] = field(default_factory=dict)
