"""Run every benchmark under benchmarks/ (or those matching --only) and pass their figures on.

Each figure is one JSON object per line: name, value, unit, baseline_name, baseline_value,
ratio, target, ok.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only", default="", help="run benchmarks whose file or figure name contains this"
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        short = script.stem.removeprefix("bench_")
        if args.only and args.only not in short and args.only not in script.read_text():
            continue  # no figure of this script can match
        cmd = [sys.executable, str(script), "--contacts", str(args.contacts)]
        if args.only and args.only not in short:
            cmd += ["--only", args.only]
        print(f"# {short}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        for line in proc.stdout.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                print(line, file=sys.stderr)
                continue
            if args.only and args.only not in short and args.only not in record.get("name", ""):
                continue
            print(json.dumps(record, ensure_ascii=False), flush=True)
        if proc.returncode != 0:
            failed += 1
            print(f"# {short} exited with {proc.returncode}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
