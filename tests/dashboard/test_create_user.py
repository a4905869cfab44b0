"""`python -m service create-user` as api.md gives it: a password from standard input, or a
generated one printed alone on the last line, once; never a prompt without a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from config.settings import PROJECT_ROOT
from tests.dashboard.conftest import Browser


def create_user(database_url: str, tmp_path: Path, *args: str, stdin: str = ""
                ) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "ELIG_VAR_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "service", "create-user", *args], input=stdin,
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=60)


def test_a_generated_password_is_printed_alone_on_the_last_line_and_signs_in(
        database_url: str, tmp_path: Path, app: Flask) -> None:
    made = create_user(database_url, tmp_path, "--role", "editor", "--name", "grace")
    assert made.returncode == 0, made.stderr
    password = made.stdout.splitlines()[-1]
    assert len(password) >= 20 and " " not in password
    assert made.stdout.count(password) == 1
    assert Browser(app.test_client()).login("grace", password).status_code == 302


def test_a_password_from_standard_input_is_the_first_line(
        database_url: str, tmp_path: Path, app: Flask) -> None:
    made = create_user(database_url, tmp_path, "--role", "viewer", "--name", "ada",
                       "--password-stdin", stdin="first line is it\nsecond line is not\n")
    assert made.returncode == 0, made.stderr
    assert "first line is it" not in made.stdout
    assert Browser(app.test_client()).login("ada", "first line is it").status_code == 302


@pytest.mark.parametrize(("args", "stdin", "says"), [
    (["--role", "viewer", "--name", "short", "--password-stdin"], "too short\n", "at least 12"),
    (["--role", "ota", "--name", "robot"], "", "invalid choice"),
    (["--role", "viewer", "--name", "   "], "", "invalid user"),
])
def test_bad_input_is_refused_with_a_reason_and_nothing_made(
        database_url: str, tmp_path: Path, args: list[str], stdin: str, says: str) -> None:
    made = create_user(database_url, tmp_path, *args, stdin=stdin)
    assert made.returncode == 2
    assert says in made.stderr


def test_a_taken_name_is_refused(database_url: str, tmp_path: Path) -> None:
    assert create_user(database_url, tmp_path, "--role", "viewer", "--name", "bo").returncode == 0
    again = create_user(database_url, tmp_path, "--role", "admin", "--name", "bo")
    assert again.returncode == 2 and "exists" in again.stderr


def test_without_a_terminal_it_never_waits_for_a_prompt(database_url: str, tmp_path: Path) -> None:
    made = create_user(database_url, tmp_path, "--role", "viewer", "--name", "quiet",
                       "--password-stdin", stdin="")  # closed stdin: an empty password
    assert made.returncode == 2 and "at least 12" in made.stderr
