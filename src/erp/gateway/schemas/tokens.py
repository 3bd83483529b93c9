from __future__ import annotations

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str = Field(
        description="A JWT to send as `Authorization: Bearer <token>` with every request."
    )
    token_type: str = Field("bearer", description="Always `bearer`.")
    expires_in: int = Field(description="Seconds the access token stays valid.", examples=[900])
    refresh_token: str = Field(
        description="Trade it at /auth/refresh for a new pair before it expires; it works once."
    )
