"""``clinic-schedule``: migrate, worker, staff accounts, tokens and the demo hospital."""

from __future__ import annotations

import click

from services.common.auth import ROLES, issue_token
from services.common.cli import service_cli

from .app import MIGRATIONS
from .config import ScheduleSettings
from .demo import load_demo
from .domain.staff import InvalidStaff
from .store import create_staff, find_staff, set_password
from .worker import run_worker

cli = service_cli(ScheduleSettings, MIGRATIONS, None, run_worker)


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
    try:
        with rt.db.transaction() as session:
            member = find_staff(session, username)
            if member is None:
                create_staff(session, username, name, roles, password)
                click.echo(f"created {username} ({', '.join(roles)})")
                return
            set_password(member, password)
            member.roles = ",".join(sorted(set(roles)))
            member.name = name or member.name
            member.active = True
            click.echo(f"updated {username} ({', '.join(roles)})")
    except InvalidStaff as exc:
        raise click.UsageError(str(exc)) from exc


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
                               ttl_seconds=ttl or rt.settings.jwt_ttl_seconds, name=member.name))


@cli.command("load-demo")
def load_demo_cmd() -> None:
    """Load the demo hospital if the database is empty."""
    loaded = load_demo(cli.runtime())
    click.echo("demo hospital loaded" if loaded else "database already has data; left as it is")


def main() -> None:
    cli(obj={})
