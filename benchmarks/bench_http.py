"""Customer-center login page through the production server setup, against PostgreSQL.

Figure: requests/s and p99 latency of GET /login/ at 32 concurrent connections (wrk), next to the
no-database liveness view /healthz/live on the same gunicorn in the same run.
Target: >= 400 requests/s with p99 <= 150 ms on a 2-core machine.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, django_env, emit, fresh_postgres, manage, parse_args  # noqa: E402

CONNECTIONS = 32
DURATION = os.environ.get("BENCH_HTTP_DURATION", "10s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str) -> tuple[float, float]:
    """Returns (requests per second, p99 latency in ms)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(m.group(1)), m.group(2)  # type: ignore[union-attr]
    p99 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return rps, p99


def main() -> int:
    parse_args(__doc__ or "")  # accepts --contacts and --only like every benchmark
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="terakoya-bench-http-"))
    env = django_env(
        fresh_postgres("terakoya_bench_http"),
        TERAKOYA_BASE_URL=f"http://127.0.0.1:{port}",
        TERAKOYA_DATA_DIR=str(data_dir),
    )
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(
        env,
        "createworkspace",
        "bench",
        "--name",
        "ベンチ Academy",
        "--owner-email",
        "owner@bench.test",
        "--owner-password",
        "bench owner password 1",
        "--default",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "terakoya.wsgi",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz/live", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        # Warm every worker up (imports, template cache, database connection).
        wrk_short = ["wrk", "-t2", f"-c{CONNECTIONS}", "-d5s"]
        subprocess.run([*wrk_short, base + "/login/"], check=True, capture_output=True)
        hello_rps, hello_p99 = wrk(base + "/healthz/live")
        login_rps, login_p99 = wrk(base + "/login/")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    emit(
        "login_page_rps",
        login_rps,
        "requests/s",
        baseline_name="hello_no_db_rps",
        baseline_value=hello_rps,
        target=">= 400 requests/s at 32 connections",
        ok=login_rps >= 400,
        connections=CONNECTIONS,
        server="gunicorn sync workers (deploy/gunicorn.conf.py)",
        database="postgresql",
    )
    emit(
        "login_page_p99",
        login_p99,
        "ms",
        baseline_name="hello_no_db_p99",
        baseline_value=hello_p99,
        target="<= 150 ms at 32 connections",
        ok=login_p99 <= 150,
        connections=CONNECTIONS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
