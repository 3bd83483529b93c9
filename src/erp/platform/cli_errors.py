"""Expected failures of the `erp` command, each as one line naming the cause and the fix.

An operator causes these and fixes them without reading code: a database that is not migrated
or not reachable, a busy port, a data directory this user may not write, Redis down. The
commands let such exceptions propagate; `describe` turns them into the line `erp`'s main
prints (exit code 1). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from erp.platform.settings import ServiceSettings

# The databases this process opened, newest last, so that a failure can name the one at fault
# (a driver's exception does not carry its URL).
_databases: dict[str, str] = {}


class PortUnavailable(OSError):
    """The listening address cannot be bound; raised before anything else starts."""

    def __init__(self, host: str, port: int, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror)
        self.host, self.port = host, port


def claim_port(host: str, port: int) -> None:
    """Fail now, before databases are touched or the admin's password is generated, when the
    server could not listen on host:port. Binds like the servers do (SO_REUSEADDR), so a port
    left in TIME_WAIT by the last run counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortUnavailable(host, port, error) from None


def database_url(service: str, settings: ServiceSettings) -> str:
    """The service's database URL (a SQLite file under ERP_DATA_DIR by default), remembered."""
    from erp.platform.db import normalise_url

    url = normalise_url(settings.database_url, service=service, data_dir=settings.data_dir)
    _databases.pop(service, None)
    _databases[service] = url
    return url


def describe(error: BaseException) -> str | None:
    """One line for an expected failure, or None for anything else."""
    if isinstance(error, PortUnavailable):
        return _port_line(error.host, error.port, error.errno)
    chain = _chain(error)
    for cause in chain:
        if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE:
            # A server that lost the race with another process after claim_port.
            return _port_line("", int(os.environ.get("ERP_PORT", "8000")), cause.errno)
    for cause in chain:
        line = _redis_line(cause)
        if line:
            return line
    for cause in chain:
        if isinstance(cause, OSError) and cause.errno in _NO_ACCESS:
            return _permission_line(cause.filename)
    for cause in chain:
        line = _database_line(cause)
        if line:
            return line
    _, url = _last_database()
    if url and url.startswith("postgresql"):
        from erp.platform.db.url import describe_connect_error

        line = describe_connect_error(error, url)
        if line and ": cannot reach " in line:
            line += "; start the database or correct ERP_DATABASE_URL"
        return line
    return None


_NO_ACCESS = (errno.EACCES, errno.EPERM, errno.EROFS)


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in seen:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    return seen


def _port_line(host: str, port: int, code: int | None) -> str:
    if code == errno.EADDRINUSE:
        return f"ERP_PORT={port} is in use; stop the other process or set ERP_PORT"
    if code in (errno.EACCES, errno.EPERM):
        return f"ERP_PORT={port} needs privileges this user lacks; set ERP_PORT above 1023"
    if code == errno.EADDRNOTAVAIL:
        return f"ERP_HOST={host} is not an address of this machine; set ERP_HOST"
    return f"cannot listen on {host}:{port} ({os.strerror(code or 0)}); check ERP_HOST, ERP_PORT"


def _data_dir() -> Path:
    return Path(os.environ.get("ERP_DATA_DIR") or "./var").resolve()


def _permission_line(filename: object) -> str:
    where = f"{filename}: " if filename else ""
    return (
        f"{where}permission denied; let this user write ERP_DATA_DIR ({_data_dir()}) "
        "or set ERP_DATA_DIR to a directory it owns"
    )


def _redis_line(cause: BaseException) -> str | None:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if not isinstance(cause, RedisConnectionError | RedisTimeoutError):
        return None
    from sqlalchemy.engine import make_url

    raw = os.environ.get("ERP_REDIS_URL", "")
    try:
        parsed = make_url(raw.replace("rediss://", "redis://", 1)) if raw else None
        where = f"{parsed.host or 'localhost'}:{parsed.port or 6379}" if parsed else "Redis"
    except Exception:  # an odd URL still gets its line, without the address
        where = "Redis"
    reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    return f"ERP_REDIS_URL: cannot reach {where} ({reason}); start Redis or fix ERP_REDIS_URL"


def _database_line(cause: BaseException) -> str | None:
    from sqlalchemy.exc import DBAPIError

    if not isinstance(cause, DBAPIError):
        return None
    text = str(cause.orig or cause).splitlines()[0]
    sqlstate = getattr(cause.orig, "sqlstate", None) or getattr(
        getattr(cause.orig, "__cause__", None), "sqlstate", None
    )
    service, url = _last_database()
    if "no such table" in text or sqlstate == "42P01":  # undefined_table
        which = f"the {service} database" if service else "the database"
        return f"{which} is not migrated ({text}); run `erp migrate`"
    if "unable to open database file" in text or "readonly database" in text:
        return _permission_line(_sqlite_file(url))
    return None


def _last_database() -> tuple[str | None, str | None]:
    if not _databases:
        return None, None
    service = list(_databases)[-1]
    return service, _databases[service]


def _sqlite_file(url: str | None) -> str | None:
    if url and url.startswith("sqlite"):
        return url.split(":///", 1)[-1]
    return None
