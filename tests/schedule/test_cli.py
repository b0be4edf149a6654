"""``clinic-schedule``: staff accounts and tokens from the command line."""

from __future__ import annotations

from click.testing import CliRunner

from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import verify_token
from services.schedule.cli import cli


def test_create_staff_then_issue_a_token_with_its_roles(runner: CliRunner) -> None:
    created = runner.invoke(cli, ["staff", "create", "li", "--name", "李", "--role", "frontdesk",
                                  "--role", "manager", "--password", "s3cret-pw"])
    assert created.exit_code == 0, created.output
    assert "created li" in created.output
    issued = runner.invoke(cli, ["token", "li"])
    assert issued.exit_code == 0, issued.output
    principal = verify_token(DEFAULT_JWT_SECRET, issued.output.strip())
    assert principal.username == "li"
    assert principal.roles == ("frontdesk", "manager")


def test_create_again_resets_password_and_roles(runner: CliRunner) -> None:
    runner.invoke(cli, ["staff", "create", "li", "--role", "admin", "--password", "first-pw"])
    again = runner.invoke(cli, ["staff", "create", "li", "--role", "consultant",
                                "--password", "second-pw"])
    assert "updated li" in again.output
    token = runner.invoke(cli, ["token", "li"]).output.strip()
    assert verify_token(DEFAULT_JWT_SECRET, token).roles == ("consultant",)


def test_token_for_unknown_staff_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["token", "ghost"])
    assert result.exit_code != 0
    assert "no active staff account" in result.output


def test_unknown_role_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["staff", "create", "li", "--role", "root", "--password", "pw12"])
    assert result.exit_code != 0


def test_load_demo_only_fills_an_empty_database(runner: CliRunner) -> None:
    assert "demo hospital loaded" in runner.invoke(cli, ["load-demo"]).output
    assert "left as it is" in runner.invoke(cli, ["load-demo"]).output
