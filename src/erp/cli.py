"""The `erp` command: serve one service, run the whole system, migrate, and admin tools.

`erp serve SERVICE`, what every container runs, starts without Typer, Click and Rich: the other
commands are built (`_typer_app`) only when asked for. No `from __future__ import annotations`
here: Typer reads the commands' annotations, which name `typer` imported in that function.
"""

import asyncio
import os
import sys
from functools import partial
from typing import TYPE_CHECKING, Annotated

from erp import registry
from erp.platform.cli_errors import describe
from erp.platform.settings import SettingsError

if TYPE_CHECKING:
    import typer


def _serve(name: str) -> None:
    from erp.platform.launch import serve_one

    serve_one(registry.load(name), registry.settings_classes())


def _typer_app() -> "typer.Typer":
    import typer
    from rich.console import Console

    app = typer.Typer(
        no_args_is_help=True,
        add_completion=False,
        help="erp-system: gateway, inventory, finance and reporting.",
    )
    inventory_app = typer.Typer(no_args_is_help=True, help="Inventory administration.")
    app.add_typer(inventory_app, name="inventory")
    finance_app = typer.Typer(no_args_is_help=True, help="Finance administration.")
    app.add_typer(finance_app, name="finance")
    reporting_app = typer.Typer(no_args_is_help=True, help="Reporting administration.")
    app.add_typer(reporting_app, name="reporting")
    events_app = typer.Typer(
        no_args_is_help=True, help="Event backbone: backlog, lag, dead letters."
    )
    app.add_typer(events_app, name="events")
    users_app = typer.Typer(no_args_is_help=True, help="Gateway users (ERP_DATABASE_URL: its DB).")
    app.add_typer(users_app, name="users")
    err = Console(stderr=True)

    ServiceArg = Annotated[str, typer.Argument(help=f"One of: {', '.join(registry.SPECS)}.")]  # noqa: N806

    def _spec(name: str):  # type: ignore[no-untyped-def]
        if name not in registry.SPECS:
            err.print(f"erp: unknown service {name!r}; known: {', '.join(registry.SPECS)}")
            raise typer.Exit(2)
        return registry.load(name)

    @app.command()
    def serve(service: ServiceArg) -> None:
        """Run one service (what a Kubernetes Deployment runs)."""
        from erp.platform.launch import serve_one

        serve_one(_spec(service), registry.settings_classes())

    @app.command()
    def up() -> None:
        """Run every service on this machine: SQLite under ERP_DATA_DIR, http://127.0.0.1:8000."""
        from erp.embedded import run_embedded

        run_embedded()

    @app.command()
    def migrate(
        services: Annotated[
            list[str] | None, typer.Argument(help="Services to migrate (default: all).")
        ] = None,
        allow_breaking: Annotated[
            bool,
            typer.Option(
                "--allow-breaking",
                help="Apply migrations that the running release's code cannot serve.",
            ),
        ] = False,
    ) -> None:
        """Apply database migrations (what the Helm hook Job runs). Safe to re-run."""
        from erp.platform.launch import migrate_one

        for name in services or registry.names():
            migrate_one(_spec(name), allow_breaking=allow_breaking)

    @app.command()
    def token(
        role: Annotated[list[str], typer.Option("--role", "-r", help="Role(s) to grant.")],
        subject: Annotated[str, typer.Option("--subject", "-s")] = "dev",
        ttl: Annotated[int, typer.Option(help="Lifetime in seconds.", min=1)] = 3600,
    ) -> None:
        """Print an access token signed with ERP_JWT_SECRET (development and tests)."""
        from erp.platform.auth import mint_token
        from erp.platform.secrets import jwt_secret
        from erp.platform.settings import ServiceSettings, load_settings

        settings = load_settings(ServiceSettings)
        try:
            print(mint_token(jwt_secret(settings), subject=subject, roles=role, ttl_seconds=ttl))
        except ValueError as error:
            err.print(f"erp: --role: {error}")
            raise typer.Exit(2) from None

    @inventory_app.command("verify")
    def inventory_verify() -> None:
        """Recompute every stock balance from the ledger; exit 1 on any mismatch."""
        from erp.inventory.cli import verify

        raise typer.Exit(asyncio.run(verify()))

    @finance_app.command("verify")
    def finance_verify() -> None:
        """Check that entries balance, totals equal the journal, and the inventory account equals
        the inventory service's valuation; exit 1 listing any mismatch."""
        from erp.embedded import in_process
        from erp.finance.cli import verify

        raise typer.Exit(asyncio.run(verify(partial(in_process, "inventory"))))

    @reporting_app.command("rebuild")
    def reporting_rebuild() -> None:
        """Drop and rebuild every read model from the events reporting has kept."""
        from erp.reporting.cli import rebuild

        raise typer.Exit(asyncio.run(rebuild()))

    ServicesOpt = Annotated[  # noqa: N806
        list[str] | None, typer.Option("--service", "-s", help="Service(s) (default: all).")
    ]

    @events_app.command("status")
    def events_status(
        services: ServicesOpt = None,
        output: Annotated[
            str, typer.Option("--output", "-o", help="table (for people) or json (for scripts).")
        ] = "table",
    ) -> None:
        """Outbox backlog, consumer lag, pending and dead letters per service; exit 1 when some
        could not be read."""
        from erp.platform.events.cli import print_status

        if output not in ("table", "json"):
            err.print(f"erp: --output: expected table or json, got {output!r}")
            raise typer.Exit(2)
        specs = [_spec(n) for n in services or registry.names()]
        raise typer.Exit(asyncio.run(print_status(specs, "json" if output == "json" else "table")))

    @events_app.command("replay-dead-letters")
    def events_replay(
        services: ServicesOpt = None,
        topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
        yes: Annotated[
            bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
        ] = False,
    ) -> None:
        """Put dead-lettered events back on their streams (after fixing the cause)."""
        from erp.platform.events.cli import replay

        specs = [_spec(n) for n in services or registry.names()]
        raise typer.Exit(asyncio.run(replay(specs, topic=topic, confirm=not yes)))

    def _password(from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            err.print("erp: a password needs at least 8 characters")
            raise typer.Exit(2)
        return password

    PasswordStdin = Annotated[  # noqa: N806
        bool, typer.Option("--password-stdin", help="Read the password from the first stdin line.")
    ]

    @users_app.command("create")
    def users_create(
        username: str,
        role: Annotated[list[str], typer.Option("--role", "-r", help="Role(s) to grant.")],
        password_stdin: PasswordStdin = False,
    ) -> None:
        """Create a user; the password is prompted for (twice) unless --password-stdin."""
        from erp.gateway.cli import create
        from erp.platform.auth import ROLES

        unknown = sorted(set(role) - set(ROLES))
        if unknown:
            err.print(f"erp: --role: unknown {', '.join(unknown)}; known: {', '.join(ROLES)}")
            raise typer.Exit(2)
        raise typer.Exit(asyncio.run(create(username, _password(password_stdin), role)))

    @users_app.command("list")
    def users_list() -> None:
        """List users, their roles and whether they are active."""
        from erp.gateway.cli import list_all

        raise typer.Exit(asyncio.run(list_all()))

    @users_app.command("disable")
    def users_disable(username: str) -> None:
        """Disable a user and revoke its refresh tokens."""
        from erp.gateway.cli import disable

        raise typer.Exit(asyncio.run(disable(username)))

    @users_app.command("set-password")
    def users_set_password(username: str, password_stdin: PasswordStdin = False) -> None:
        """Set a new password (prompted twice unless --password-stdin); revokes refresh tokens."""
        from erp.gateway.cli import set_password

        raise typer.Exit(asyncio.run(set_password(username, _password(password_stdin))))

    return app


def main() -> None:
    try:
        argv = sys.argv[1:]
        if len(argv) == 2 and argv[0] == "serve" and argv[1] in registry.SPECS:
            _serve(argv[1])
        else:
            _typer_app()()
    except SettingsError as error:
        sys.exit(error.code)
    except Exception as error:
        line = describe(error)
        if line is None:
            raise  # not an operator's mistake: the traceback is for whoever fixes the bug
        # Plain print, not Rich: Rich would wrap a long line at the terminal's width.
        print(f"erp: {line}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # Out at once: a database driver's worker thread still winding down (aiosqlite's,
        # when a connection failed) would otherwise print its own traceback while the
        # interpreter shuts down, and the operator's one line would no longer be one.
        os._exit(1)
