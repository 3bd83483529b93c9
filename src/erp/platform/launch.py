"""Start-up of one service process: settings, logging, migrations, server."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from erp.platform.app import create_app
from erp.platform.cli_errors import claim_port, database_url
from erp.platform.db.migrations import breaking_steps, database_state, knows, upgrade
from erp.platform.db.url import describe_connect_error
from erp.platform.logging import configure_logging, get_logger
from erp.platform.server import run
from erp.platform.service import ServiceSpec
from erp.platform.settings import (
    ServiceSettings,
    known_env_vars,
    load_settings,
    unknown_env_vars,
)

log = get_logger(__name__)


def warn_unknown_env(every_settings: Sequence[type[ServiceSettings]]) -> None:
    """Warn of ERP_* variables that none of `every_settings` (every service's settings class,
    passed in by the launcher: the platform names no service) reads."""
    unknown = unknown_env_vars(known_env_vars(*every_settings))
    if unknown:
        log.warning("unknown_settings_ignored", variables=unknown)


def migrate_one(spec: ServiceSpec, *, allow_breaking: bool = False) -> None:
    settings = load_settings(spec.settings_cls)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    url = database_url(spec.name, settings)
    try:
        state = database_state(spec.migrations, url)
        current, head, scripts = state.revision, spec.migrations.head(), spec.migrations.scripts()
        if current is not None and not knows(scripts, current):
            # A later release migrated already (a canary, the other slot, or this release is
            # being rolled back to): nothing to do if that schema still serves this code.
            if head in state.served:
                log.info("schema_ahead_serves_this_code", service=spec.name, revision=current)
                return
            print(
                f"erp migrate {spec.name}: the database is at revision {current}, newer than "
                f"this code ({head}) and not compatible with it; run the newer release, or "
                "restore the backup taken before its migration",
                file=sys.stderr,
            )
            raise SystemExit(1)
        breaking = breaking_steps(scripts, current, head) if head else []
        if breaking and not allow_breaking:
            print(
                f"erp migrate {spec.name}: revision {breaking[0]} stops code at {current} "
                "(the running release) from serving; ship it as the contract step of a later "
                "release, or pass --allow-breaking",
                file=sys.stderr,
            )
            raise SystemExit(1)
        upgrade(spec.migrations, url)
    except Exception as error:
        # An unreachable or unverifiable database is the operator's to fix: one line, not a
        # traceback through Alembic.
        line = describe_connect_error(error, url)
        if line is None:
            raise
        print(f"erp migrate {spec.name}: {line}", file=sys.stderr)
        raise SystemExit(1) from None
    log.info("migrated", service=spec.name, revision=spec.migrations.head())


def serve_one(spec: ServiceSpec, every_settings: Sequence[type[ServiceSettings]]) -> None:
    settings = load_settings(spec.settings_cls)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    warn_unknown_env(every_settings)
    # A busy port stops the service before it touches its database (and, for the gateway,
    # before it creates the first user with a password nobody would see).
    claim_port(settings.host, settings.port)
    app = create_app(spec, settings)
    if spec.serve is not None:
        spec.serve(app, settings)
        return
    readiness = app.state.readiness

    def begin_shutdown() -> None:
        readiness.shutting_down = True

    run(
        app,
        host=settings.host,
        port=settings.port,
        shutdown_delay=settings.shutdown_delay_seconds,
        drain_timeout=settings.drain_timeout_seconds,
        on_shutdown_begin=begin_shutdown,
        log_level=settings.log_level,
    )
