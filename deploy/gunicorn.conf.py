"""Production web server for pages and the API: gunicorn, WSGI, sync workers.

Plain Django pages run several times faster through WSGI than through an ASGI server, so pages
are served here; websockets (support chat) go to a separate ASGI process (see docs/operations.md).
Sync workers behind a buffering reverse proxy gave the best throughput and tail latency for our
CPU-bound pages (benchmarks/bench_http.py: 5 sync workers ~450 req/s with p99 ~105 ms at 32
connections on 2 cores, against ~400 req/s and p99 ~160 ms for 5 threaded workers).
Override any value with GUNICORN_* environment variables or command-line flags.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # used by GUNICORN_WORKER_CLASS=gthread
keepalive = 5
# Workers heartbeat by touching a file for every request; on a disk-backed /tmp that can stall
# behind journal commits, so keep it in memory when the machine has /dev/shm.
SHM = "/dev/shm"  # noqa: S108 (gunicorn only keeps its heartbeat files there)
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
timeout = 30
graceful_timeout = 20
# Workers fork from a master that has already imported Django, so a recycled worker (a guard
# against slow leaks) is back in milliseconds instead of stalling requests while it boots.
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
