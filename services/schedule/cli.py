"""``clinic-schedule``: migrate, worker, staff accounts, tokens and the demo hospital."""

from __future__ import annotations

import click

from services.common.cli import service_cli
from services.common.event_handlers import SYSTEM
from services.common.refusals import Refusal
from services.common.tokens import ROLES, issue_token
from services.common.unit_of_work import reading, unit_of_work

from .config import ScheduleSettings
from .models import MIGRATIONS, Base, Hospital
from .ops.demo import load_demo
from .ops.staff import change_staff, create_staff
from .reads.staff import find_staff
from .worker import run_worker

cli = service_cli(ScheduleSettings, MIGRATIONS, None, run_worker, metadata=Base.metadata,
                  hospital=Hospital)


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
    try:
        with unit_of_work(cli.runtime(), SYSTEM) as work:
            if find_staff(work.session, username) is None:
                create_staff(work, username, name, roles, password)
                click.echo(f"created {username} ({', '.join(roles)})")
                return
            change_staff(work, username, name=name or None, roles=roles, password=password,
                         active=True, keep_an_admin=False)
            click.echo(f"updated {username} ({', '.join(roles)}); earlier tokens no longer "
                       "work")
    except Refusal as refused:
        raise click.UsageError(refused.message) from refused


@staff.command("deactivate")
@click.argument("username")
def deactivate_staff_cmd(username: str) -> None:
    """End an account: it cannot sign in, and every token it holds stops working."""
    with unit_of_work(cli.runtime(), SYSTEM) as work:
        if find_staff(work.session, username) is None:
            raise click.UsageError(f"no staff account {username!r}")
        change_staff(work, username, active=False, keep_an_admin=False)
    click.echo(f"deactivated {username}; its tokens no longer work anywhere")


@cli.command()
@click.argument("username")
@click.option("--ttl", default=None, type=int, help="Seconds the token is valid.")
def token(username: str, ttl: int | None) -> None:
    """Print a bearer token for an existing staff account."""
    rt = cli.runtime()
    with reading(rt, SYSTEM) as work:
        member = find_staff(work.session, username)
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
