"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import asyncio
import base64
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION

_hasher = PasswordHasher()
MIN_LENGTH = 8


def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """An argon2id hash with the hasher's own cost parameters and random salt and digest:
    verifying against it costs what verifying a real one does, and no password matches it.
    Built, not computed: hashing costs ~175 ms of CPU and 64 MiB at every start-up."""

    def b64(size: int) -> str:
        return base64.b64encode(os.urandom(size)).decode().rstrip("=")

    return (
        f"$argon2id$v={ARGON2_VERSION}$m={hasher.memory_cost},t={hasher.time_cost},"
        f"p={hasher.parallelism}${b64(hasher.salt_len)}${b64(hasher.hash_len)}"
    )


# Verified against when the user does not exist, so that timing does not reveal usernames.
_DUMMY_HASH = _unmatchable_hash(_hasher)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    """argon2 takes tens of milliseconds of CPU: keep it off the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
