"""Start-up and memory of the production server: seconds from process start to `GET /readyz` 200, and the worker's
RSS once warm and after some requests, for one content folder and index folder.

    .venv/bin/python scripts/bench_start.py                                   # the shipped content and index/
    .venv/bin/python scripts/bench_start.py --content /work/bench-1k/content --index /work/bench-1k/index
    .venv/bin/python scripts/bench_start.py --runs 3 --requests 300

The server is the one `make serve` runs (gunicorn, gthread, one worker so its memory is measured alone) on
127.0.0.1 with a throw-away SQLite database. /readyz is polled every 20 ms from the moment the process starts.
The worker's CPU seconds by readiness approximate the time to ready on an idle machine (the start-up runs one
thread at a time), which the wall clock of a shared machine does not. Then the assistant is asked one question (its
latency says whether its warm-up was done by then), and `--requests` searches and questions are sent, alternating
modes, before the RSS is read again. The server writes its rendered-content cache into the index folder when the
content is not in it yet (`make index` fills it): pass a copy of an index you must not change.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_search import MODES, QUESTION_SETS, Server, rss_mb  # noqa: E402

sys.path.insert(0, str(ROOT))
from app.search.evaluation import load_questions  # noqa: E402


def wait_ready(server: Server, limit: float = 120.0) -> tuple[float, float]:
    """(seconds from start to the first answer of any kind, seconds to /readyz 200)."""
    first = None
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            server.request("GET", "/readyz")
            now = time.perf_counter() - server.started
            return (first if first is not None else now), now
        except RuntimeError:  # 503: answered, not ready
            if first is None:
                first = time.perf_counter() - server.started
        except OSError:  # not listening yet
            server._conn = None
        time.sleep(0.02)
    raise RuntimeError("never ready")


def one_run(content: Path, index: Path, questions: list[str], requests: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="kb-bench-start-") as tmp:
        server = Server(content, index, Path(tmp))
        try:
            first, ready = wait_ready(server)
            cpu_ready = server._cpu_seconds(os.sysconf("SC_CLK_TCK"))
            rss_ready = rss_mb(server.worker_pid)
            started = time.perf_counter()
            server.assist(questions[0])
            first_assist = time.perf_counter() - started
            idle = server.wait_idle(120)
            rss_idle = rss_mb(server.worker_pid)
            for i in range(requests):
                q = questions[i % len(questions)]
                if i % 4 == 3:
                    server.assist(q)
                else:
                    server.search(q, MODES[i % 3])
            rss_after = rss_mb(server.worker_pid)
        finally:
            server.stop()
    return {"listening": server.up_s, "first": first, "ready": ready, "cpu_ready": cpu_ready,
            "first_assist_ms": first_assist * 1000, "idle": idle, "rss_ready": rss_ready, "rss_idle": rss_idle,
            "rss_after": rss_after}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="searches and questions before the last RSS")
    args = parser.parse_args(argv)
    questions = [q.text for path in QUESTION_SETS if path.exists() for q in load_questions(path)]
    print(f"content {args.content}, index {args.index}, load average {os.getloadavg()[0]:.2f}")
    print("run | listening | first answer | /readyz 200 (worker CPU seconds by then) | first /api/assist | idle | "
          f"RSS ready / idle / after {args.requests} requests")
    runs = []
    for n in range(args.runs):
        r = one_run(args.content, args.index, questions, args.requests)
        runs.append(r)
        print(f"{n + 1} | {r['listening']:.2f} s | {r['first']:.2f} s | {r['ready']:.2f} s ({r['cpu_ready']:.2f} s) | "
              f"{r['first_assist_ms']:.0f} ms | {r['idle']:.1f} s | "
              f"{r['rss_ready']:.0f} / {r['rss_idle']:.0f} / {r['rss_after']:.0f} MB", flush=True)
    if len(runs) > 1:
        print(f"median /readyz 200: {statistics.median(r['ready'] for r in runs):.2f} s; median RSS after: "
              f"{statistics.median(r['rss_after'] for r in runs):.0f} MB")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
