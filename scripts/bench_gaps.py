"""Knowledge-gaps report time with many logged searches (issue 19: under 1 s with 100,000).

    .venv/bin/python scripts/bench_gaps.py                       # 100,000 searches, two mixes
    .venv/bin/python scripts/bench_gaps.py --searches 10000 --runs 3

Logs the searches through the application's own search log into a temporary SQLite database, spread over
90 days, then times GET /console/reports/gaps (period: all) and its CSV for a signed-in knowledge manager,
rendering included. Two mixes: "desk" (most searches repeat a few hundred phrasings, with variants) and
"flood" (every search a different random phrasing, as a script sending nonsense would make; the per-client
logging limit would stop one client long before this, so it stands for many clients).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.console.accounts import Role  # noqa: E402
from app.console.searchlog import SearchLog  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("dip webhook certificate portal message bounce rejected invite onboarding token api key timeout retry "
         "registration supplier ldso meter reading settlement mpan flow schema validation error code upload "
         "password login access role party id market participant test environment outage slow queue").split()
PASSWORD = "bench-gaps-Quantum-Walrus-77"


def desk_queries(n: int, rng: random.Random) -> Iterator[str]:
    topics = [" ".join(rng.sample(WORDS, rng.randint(2, 4))) for _ in range(400)]
    for _ in range(n):
        if rng.random() < 0.9:
            topic = topics[min(int(rng.paretovariate(1.2)) - 1, len(topics) - 1)]
            yield rng.choice([topic, topic.upper(), f"how do I fix {topic}", f"{topic} not working"])
        else:
            yield " ".join(rng.sample(WORDS, 3)) + f" {rng.randrange(10**6)}"


def flood_queries(n: int, rng: random.Random) -> Iterator[str]:
    for _ in range(n):
        yield f"{rng.choice(WORDS)} {rng.randrange(10**9):x} {rng.randrange(10**9):x}"


def fill(app, queries: Iterator[str], n: int) -> float:
    """Log ``n`` searches spread evenly over the last 90 days; returns the seconds it took."""
    start = datetime.now(UTC) - timedelta(days=90)
    step = timedelta(days=90) / n
    i = 0  # the clock reads the loop's position: each search a step later than the one before
    log = SearchLog(app.extensions["kb"].searches.engine, lambda: start + i * step, flush_seconds=3600,
                    max_pending=2_000)
    t0 = time.perf_counter()
    for i, q in enumerate(queries):  # noqa: B007  # i is read by the clock above
        log.record(q, "keyword", 0)
    log.flush()
    return time.perf_counter() - t0


def time_report(client, path: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per request (CPU time is this process's: the app and SQLite run in it, so
    it is the report's own cost even on a machine busy with other work)."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.get(path)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert resp.status_code == 200, resp.status_code
    return wall, cpu


def bench(mix: str, n: int, runs: int, workdir: Path) -> None:
    app = create_app({"TESTING": True, "KB_DATABASE_URL": f"sqlite:///{workdir / f'{mix}.sqlite3'}",
                      "KB_OUTBOX_DIR": str(workdir / "outbox"), "KB_SEMANTIC": "off",
                      "KB_SECRET_KEY": "bench-gaps-" + "x" * 32, "KB_INDEX_DIR": str(ROOT / "index")})
    rng = random.Random(19)
    queries = desk_queries(n, rng) if mix == "desk" else flood_queries(n, rng)
    seconds = fill(app, queries, n)
    kb = app.extensions["kb"]
    kb.staff.add("manager@example.com", Role.KNOWLEDGE_MANAGER, PASSWORD)
    client = app.test_client()
    client.get("/console/login")
    with client.session_transaction() as session:
        token = session["_csrf"]
    resp = client.post("/console/login", data={"email": "manager@example.com", "password": PASSWORD,
                                               "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    gaps = kb.searches.poor_searches()
    print(f"{mix}: {n:,} searches logged in {seconds:.1f} s -> {gaps.distinct:,} distinct phrasings")
    for label, path in (("report page", "/console/reports/gaps?period=all"),
                        ("report CSV", "/console/reports/gaps.csv?period=all")):
        wall, cpu = time_report(client, path, runs)
        print(f"  {label:12} median {statistics.median(wall) * 1000:7.1f} ms   max {max(wall) * 1000:7.1f} ms"
              f"   CPU median {statistics.median(cpu) * 1000:7.1f} ms   ({runs} runs)")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mix", default="desk,flood", help="comma-separated: desk and/or flood")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-gaps-") as tmp:
        for mix in args.mix.split(","):
            bench(mix.strip(), args.searches, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
