"""Gateway domain errors (the platform maps them to problem+json)."""

from __future__ import annotations

from erp.platform.errors import ProblemError, Unauthorized


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"

    def __init__(self) -> None:
        # One message for an unknown user, a wrong password and a disabled account.
        super().__init__("invalid username or password")


class InvalidRefreshToken(Unauthorized):
    slug = "invalid-refresh-token"


class LockedOut(ProblemError):
    status, slug, title = 429, "login-locked", "Too many failed logins"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )
