from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["admin", "accountant", "warehouse", "viewer"]
Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=1024)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(Input):
    username: Username
    password: Password
    roles: Annotated[list[Role], Field(min_length=1)]


class UserUpdate(Input):
    roles: Annotated[list[Role] | None, Field(min_length=1)] = None
    active: bool | None = None
    password: Password | None = None


class UserRead(BaseModel):
    id: int
    username: str
    roles: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
