"""The command line every service shares: migrate, worker, dead letters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click
from sqlalchemy import MetaData

from .hospital_copy import HospitalCopyMixin
from .inbox import DeadLetterMixin, list_dead_letters, replay_dead_letter
from .migrations import new_revision
from .runtime import Runtime, S
from .service import boot


class ServiceGroup(click.Group):
    """A service's command group; ``runtime()`` boots the service for a command."""

    runtime: Callable[..., Runtime[Any]]


def service_cli(settings_cls: type[S], migrations: str,
                dead_letter_model: type[DeadLetterMixin] | None,
                run_worker: Callable[[Runtime[S]], None],
                consumes: Iterable[str] = (), metadata: MetaData | None = None,
                hospital: type[HospitalCopyMixin] | None = None) -> ServiceGroup:
    """A click group with the commands common to every service."""

    def runtime(migrate: bool | None = None) -> Runtime[S]:
        """The service's runtime; ``migrate`` None checks the migrations as
        ``MIGRATE_ON_START`` says (``make run``'s processes skip what it has just done)."""
        settings = (settings_cls.from_env() if migrate is None
                    else settings_cls.from_env(migrate_on_start=migrate))
        return boot(settings, migrations, consumes, metadata=metadata, hospital=hospital)

    @click.group(cls=ServiceGroup, help=f"The clinic {settings_cls.SERVICE} service.")
    @click.pass_context
    def group(ctx: click.Context) -> None:
        ctx.ensure_object(dict)

    assert isinstance(group, ServiceGroup)
    group.runtime = runtime

    @group.command()
    def migrate() -> None:
        """Apply the database migrations and declare the service's queue."""
        runtime(migrate=True)
        click.echo(f"{settings_cls.SERVICE}: database at the newest revision, queue declared")

    @group.command()
    @click.argument("message")
    def revision(message: str) -> None:
        """Write a new migration: the models compared with a scratch database at head."""
        new_revision(migrations, message)

    @group.command()
    def worker() -> None:
        """Run the relay, the consumer and the timers until SIGTERM."""
        run_worker(runtime())

    if dead_letter_model is not None:
        _add_dead_letter_commands(group, runtime, dead_letter_model)
    return group


def _add_dead_letter_commands(group: click.Group, runtime: Callable[[], Runtime[Any]],
                              dead_letter_model: type[DeadLetterMixin]) -> None:
    @group.group("dead-letters")
    def dead_letters() -> None:
        """Events that kept failing and were parked."""

    @dead_letters.command("list")
    @click.option("--all", "include_replayed", is_flag=True, help="Include replayed letters.")
    def list_cmd(include_replayed: bool) -> None:
        """List parked events."""
        rt = runtime()
        letters = list_dead_letters(rt.db, dead_letter_model, include_replayed=include_replayed)
        if not letters:
            click.echo("no dead letters")
        for letter in letters:
            state = "replayed" if letter.replayed_at else "parked"
            click.echo(f"{letter.id}\t{state}\t{letter.created_at:%Y-%m-%d %H:%M:%S}\t"
                       f"{letter.event_type or '-'}\t{letter.attempts}\t{letter.error[:120]}")

    @dead_letters.command("replay")
    @click.argument("letter_ids", nargs=-1, type=int, required=True)
    def replay_cmd(letter_ids: tuple[int, ...]) -> None:
        """Put parked events back on their queue."""
        rt = runtime()
        for letter_id in letter_ids:
            ok = replay_dead_letter(rt.db, rt.bus, dead_letter_model, letter_id)
            click.echo(f"{letter_id}: {'replayed' if ok else 'not replayable'}")
