"""Shared helpers for benchmark scripts.

Each `bench_*.py` is a standalone script run by `benchmarks/run.py` in its own process (so it can
point Django at its own database) and prints one JSON object per figure with `emit()`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--only", default="")
    return parser.parse_args()


def emit(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str,
    baseline_value: float,
    target: str,
    ok: bool | None,
    **extra: Any,
) -> None:
    """Print one figure. `ok` is None for a figure reported without a pass mark."""
    ratio = round(value / baseline_value, 3) if baseline_value else None
    record = {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": round(baseline_value, 3),
        "ratio": ratio,
        "target": target,
        "ok": None if ok is None else bool(ok),
        **extra,
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)


def fresh_postgres(name: str) -> str:
    """Drop and create a PostgreSQL database for one benchmark; returns its URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", f"{PG_ADMIN_URL}/postgres", "-q", "-c", sql], check=True, capture_output=True
        )
    return f"{PG_ADMIN_URL}/{name}"


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "terakoya.settings",
        "SECRET_KEY": os.environ.get(
            "SECRET_KEY", "benchmark-secret-key-not-for-production-0123456789"
        ),
        "TERAKOYA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TERAKOYA_DEBUG", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.stdout


def setup_django(database_url: str) -> None:
    """Configure Django in this process against `database_url`."""
    os.environ.update(django_env(database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
