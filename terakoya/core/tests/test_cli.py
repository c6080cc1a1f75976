"""The `terakoya` console command, run as a real subprocess (as an operator types it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from terakoya.cli import PUBLIC_COMMANDS

ROOT = Path(__file__).resolve().parents[3]


def terakoya(*args: str, secret_key: bool = True, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "TERAKOYA_DEBUG", "TERAKOYA_TESTING", "DJANGO_SETTINGS_MODULE"}
    }
    env["PYTHONPATH"] = str(ROOT)
    env["TERAKOYA_DATA_DIR"] = str(tmp_path)
    if secret_key:
        env["SECRET_KEY"] = "a-test-secret-key-that-is-long-enough-0123456789abcdef"
    return subprocess.run(
        [sys.executable, "-m", "terakoya.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help_lists_every_public_command_with_one_line(flag, tmp_path):
    # When an operator asks for help, even before configuring anything
    result = terakoya(flag, secret_key=False, tmp_path=tmp_path)
    # Then the public commands are listed, one line each, and it exits cleanly
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: terakoya COMMAND")
    lines = result.stdout.splitlines()
    for name, text in PUBLIC_COMMANDS:
        assert any(line.split() and line.split()[0] == name and text in line for line in lines)
    for name in ("run", "worker", "demo", "createworkspace", "import-contacts", "migrate"):
        assert f"  {name} " in result.stdout
    assert "Traceback" not in result.stderr


def test_version_prints_the_installed_version(tmp_path):
    # When the version is asked for
    result = terakoya("--version", tmp_path=tmp_path)
    # Then it is one line naming terakoya and a version (not Django's)
    assert result.returncode == 0
    name, number = result.stdout.strip().split(" ")
    assert name == "terakoya"
    assert number[0].isdigit()


@pytest.mark.parametrize(
    "public,option",
    [("run", "--port"), ("import-contacts", "--workspace"), ("worker", "--batch")],
)
def test_help_for_a_command_shows_its_options_under_its_public_name(public, option, tmp_path):
    # When help for one command is asked for, without a SECRET_KEY
    result = terakoya("help", public, secret_key=False, tmp_path=tmp_path)
    # Then its usage is printed under the name the operator typed
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: terakoya {public} ")
    assert option in result.stdout
    # And `terakoya COMMAND --help` says the same
    again = terakoya(public, "--help", secret_key=False, tmp_path=tmp_path)
    assert again.stdout == result.stdout


def test_help_for_an_unknown_command_is_one_line(tmp_path):
    result = terakoya("help", "no-such-thing", tmp_path=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "terakoya: unknown command 'no-such-thing'; `terakoya --help` lists them."
    ]


def test_missing_secret_key_is_a_one_line_error_without_traceback(tmp_path):
    # Given no SECRET_KEY and no TERAKOYA_DEBUG
    # When a command that needs the settings runs
    result = terakoya("migrate", secret_key=False, tmp_path=tmp_path)
    # Then it fails with one line saying what to set, and no traceback
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("terakoya: ")
    assert "SECRET_KEY" in lines[0]
    assert "TERAKOYA_DEBUG=1" in lines[0]
    assert "Traceback" not in result.stderr
    # And nothing was created
    assert not (tmp_path / "terakoya.sqlite3").exists()


def test_a_configured_command_still_runs(tmp_path):
    # Given a SECRET_KEY
    # When a command runs through the console name (hyphenated public name included)
    result = terakoya("check", tmp_path=tmp_path)
    # Then Django runs it
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
