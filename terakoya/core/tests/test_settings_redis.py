"""REDIS_URL under pytest-xdist: each worker gets its own database, counted from the one given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _redis_url_seen(redis_url: str, worker: str | None) -> str:
    """settings.REDIS_URL as a test process started with this environment computes it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update(
        REDIS_URL=redis_url,
        TERAKOYA_TESTING="1",
        TERAKOYA_DEBUG="1",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="terakoya.settings",
    )
    if worker is not None:
        env["PYTEST_XDIST_WORKER"] = worker
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.REDIS_URL)"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("given", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/8", None, "redis://127.0.0.1:6379/8"),
        ("redis://127.0.0.1:6379/8", "gw0", "redis://127.0.0.1:6379/8"),
        ("redis://127.0.0.1:6379/8", "gw1", "redis://127.0.0.1:6379/9"),
        ("redis://:secret@redis.internal:6380/3", "gw2", "redis://:secret@redis.internal:6380/5"),
        ("redis://127.0.0.1:6379", "gw1", "redis://127.0.0.1:6379/1"),
        (
            "redis://127.0.0.1:6379/0?socket_timeout=5",
            "gw1",
            "redis://127.0.0.1:6379/1?socket_timeout=5",
        ),
    ],
)
def test_each_test_worker_counts_its_redis_database_from_the_one_given(given, worker, expected):
    # given REDIS_URL naming a database, and maybe an xdist worker id
    # when a test process loads the settings
    seen = _redis_url_seen(given, worker)
    # then the database given is the base: worker N uses base + N, nothing else changes
    assert seen == expected
