from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from erp.platform.tokens import ROLES

# The role names come from the one table of token rules; the schema lists them for /docs.
Role = Annotated[str, Field(json_schema_extra={"enum": list(ROLES)})]
Username = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$", examples=["alice"]),
]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
ROLES_HELP = (
    "What the user may do: `admin` everything, `accountant` the books, `warehouse` the"
    " stock, `viewer` read the books and the stock."
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(Input):
    username: Username
    password: Password
    roles: Annotated[list[Role], Field(min_length=1, description=ROLES_HELP, examples=[["viewer"]])]


class UserUpdate(Input):
    """Fields left out (or null) keep their value."""

    roles: Annotated[list[Role] | None, Field(min_length=1, description=ROLES_HELP)] = None
    active: bool | None = Field(None, description="False disables the account: no more logins.")
    password: Password | None = None


class UserRead(BaseModel):
    id: int
    username: str
    roles: list[str] = Field(description=ROLES_HELP)
    active: bool = Field(description="Whether the user may log in.")
    created_at: datetime
    updated_at: datetime
