"""``clinic-schedule``: migrate, worker, staff accounts, tokens and the demo hospital."""

from __future__ import annotations

import click

from services.common.auth import ROLES, issue_token
from services.common.cli import service_cli

from .app import MIGRATIONS
from .config import ScheduleSettings
from .domain.staff import InvalidStaff
from .models import Base
from .ops.demo import load_demo
from .ops.staff import change_staff, create_staff
from .reads.staff import find_staff
from .worker import run_worker

cli = service_cli(ScheduleSettings, MIGRATIONS, None, run_worker, metadata=Base.metadata)


@cli.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("create")
@click.argument("username")
@click.option("--name", default="", help="The name shown on pages.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.password_option(help="Asked for when not given.")
def create_staff_cmd(username: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a staff account, or reset its password and roles."""
    rt = cli.runtime()
    minimum = rt.settings.min_password_length
    try:
        with rt.db.transaction() as session:
            member = find_staff(session, username)
            if member is None:
                create_staff(session, username, name, roles, password, rt.now(), minimum)
                click.echo(f"created {username} ({', '.join(roles)})")
                return
            change_staff(session, member, name=name or None, roles=roles, password=password,
                         active=True, minimum=minimum, keep_an_admin=False)
            click.echo(f"updated {username} ({', '.join(roles)}); earlier tokens no longer "
                       "work")
    except InvalidStaff as exc:
        raise click.UsageError(str(exc)) from exc


@staff.command("deactivate")
@click.argument("username")
def deactivate_staff_cmd(username: str) -> None:
    """End an account: it cannot sign in, and every token it holds stops working."""
    rt = cli.runtime()
    with rt.db.transaction() as session:
        member = find_staff(session, username)
        if member is None:
            raise click.UsageError(f"no staff account {username!r}")
        change_staff(session, member, active=False, keep_an_admin=False)
    click.echo(f"deactivated {username}; its tokens no longer work anywhere")


@cli.command()
@click.argument("username")
@click.option("--ttl", default=None, type=int, help="Seconds the token is valid.")
def token(username: str, ttl: int | None) -> None:
    """Print a bearer token for an existing staff account."""
    rt = cli.runtime()
    with rt.db.reading() as session:
        member = find_staff(session, username)
        if member is None or not member.active:
            raise click.UsageError(f"no active staff account {username!r}")
        click.echo(issue_token(rt.settings.jwt_secret, member.username, member.role_list,
                               ttl_seconds=ttl or rt.settings.jwt_ttl_seconds, name=member.name,
                               version=member.token_version))


@cli.command("load-demo")
def load_demo_cmd() -> None:
    """Load the demo hospital if the database is empty."""
    loaded = load_demo(cli.runtime())
    click.echo("demo hospital loaded" if loaded else "database already has data; left as it is")


def main() -> None:
    cli(obj={})
