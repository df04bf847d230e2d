"""Bounded load run on loopback: gunicorn as `make serve` runs it, a realistic mix, figures, and stop.

    .venv/bin/python scripts/load.py                          # 20 s, 8 clients, throw-away SQLite
    .venv/bin/python scripts/load.py --postgres postgresql+psycopg://app@127.0.0.1:5432/postgres
    .venv/bin/python scripts/load.py --duration 60 --clients 16 --workers 4 --semantic off

Starts gunicorn on a free 127.0.0.1 port against a new database (a temporary SQLite file, or a temporary
database created on the --postgres server and dropped afterwards), waits until every worker is up and
the embedding model has loaded, then runs N client threads for a fixed time. The mix: searches 50%,
article views 25%, assistant messages 15% (POST /api/assist), cases 10% (POST /api/cases). Per-client
rate limits are raised for the run (KB_RATE_LIMITS): every request comes from 127.0.0.1.

Prints throughput and p50/p95/p99 per kind and overall, the error count, and checks that every case
answered 201 is in the database. Exits 1 on any error. Never talks to anything but 127.0.0.1.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import make_url, text  # noqa: E402

from app.accounts.store import Accounts  # noqa: E402
from app.cases.db import make_engine, upgrade  # noqa: E402
from app.config import RATE_LIMITS as DEFAULT_RATE_LIMITS  # noqa: E402

HOST = "127.0.0.1"
MIX = (("search", 50), ("article", 25), ("assist", 15), ("case", 10))
EXPECTED = {"search": 200, "article": 200, "assist": 200, "case": 201}
#: Set once the server is up: the load's participant account raises every case with this API token.
TOKEN: dict[str, str] = {}
WARM_S = 1.0  # a request counts as warm when it answers within this
WARM_UP_LIMIT_S = 300
#: Every limit lifted far above what one run can reach (all clients share 127.0.0.1).
RATE_LIMITS = ",".join(f"{name}=100000000/{limit.seconds}" for name, limit in DEFAULT_RATE_LIMITS.items())
SEARCHES = (
    "webhook not working", "message bounced back", "certificate upload failed", "how do I register for DIP",
    "DIP onboarding invitation", "MPAN not found", "what is an LDSO", "settlement timetable", "reset password",
    "API key expired", "raise a case", "response code 400", "smart meter data late", "change of supplier",
    "market participant id", "CSR", "TLS certificate", "rejected message", "how long will my case take",
    "service request", "DIP portal access", "duplicate messages", "message schema validation", "outage",
)  # fmt: skip
QUESTIONS = (
    "My webhook endpoint stopped receiving DIP messages since this morning",
    "We got a bounce back for every message we sent today",
    "How do I upload a new certificate for the DIP?",
    "I need a new user account for the DIP portal",
    "What does response code 403 mean?",
    "Our onboarding invitation link has expired",
    "The whole DIP seems down, nothing is being delivered to anyone",
    "How do I change our Market Participant ID details?",
    "What is the difference between a Party ID and a Market Participant ID?",
    "Settlement data for our MPANs is missing from the latest run",
    "How long does it take to get a reply from the service desk?",
    "We keep receiving the same message twice",
)
CASES = (
    {"category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
     "subject": "No DIP invitation link yet",
     "description": "We requested onboarding on the 3rd and have had nothing."},
    {"category": "Choreography", "impact": "High", "urgency": "High",
     "subject": "DTN down", "description": "No flows since 09:00 and our queue is growing."},
)  # fmt: skip


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str | None, reference: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if problem:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {problem}")
            if reference:
                self.created.append(reference)


class Client:
    """One simulated visitor: a keep-alive connection and its own random stream."""

    def __init__(self, port: int, seed: int, slugs: list[str]) -> None:
        self.port, self.rng, self.slugs = port, random.Random(seed), slugs
        self.conn: http.client.HTTPConnection | None = None
        self.conversation: str | None = None
        self.n = 0

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once, as browsers do
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                data = json.dumps(body).encode() if body is not None else None
                headers = {"Content-Type": "application/json"} if body is not None else {}
                if TOKEN:
                    headers["Authorization"] = f"Bearer {TOKEN['secret']}"
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def one(self, kind: str) -> tuple[int, bytes]:
        rng = self.rng
        if kind == "search":
            return self.request("GET", f"/search?q={quote(rng.choice(SEARCHES))}")
        if kind == "article":
            return self.request("GET", f"/articles/{rng.choice(self.slugs)}")
        if kind == "assist":
            follow_up = self.conversation if rng.random() < 0.3 else None  # some visitors ask a second question
            status, body = self.request("POST", "/api/assist",
                                        {"message": rng.choice(QUESTIONS), "conversation_id": follow_up})
            if status == 200:
                self.conversation = json.loads(body).get("conversation_id")
            return status, body
        self.n += 1
        case = {
            "name": f"Load Tester {self.n}", "email": f"load{rng.randrange(10**6)}@example.com",
            "party_id": "LOADPW", "market_participant_id": "LOAD", "cra_market_role": "Supplier",
            **rng.choice(CASES),
        }  # fmt: skip
        case["subject"] = f"{case['subject']} ({self.n})"
        return self.request("POST", "/api/cases", case)


def drive(port: int, seed: int, slugs: list[str], until: float, results: Results) -> None:
    client = Client(port, seed, slugs)
    kinds, weights = zip(*MIX, strict=True)
    while time.monotonic() < until:
        kind = client.rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        problem = reference = None
        try:
            status, body = client.one(kind)
            if status != EXPECTED[kind]:
                problem = f"HTTP {status} {body[:200]!r}"
            elif kind == "case":
                reference = json.loads(body)["reference"]
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error
            problem = f"{type(exc).__name__}: {exc}"
            client.conn = None
        results.record(kind, time.perf_counter() - started, problem, reference)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else float("nan")


# -- the server ----------------------------------------------------------------------------------------
def start_server(args: argparse.Namespace, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "--workers", str(args.workers), "--threads", str(args.threads), "--bind", f"{HOST}:0",
           "--timeout", "60", "--graceful-timeout", "30", "--access-logfile", str(log.with_suffix(".access")),
           "app:create_app()"]  # fmt: skip
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        out = log.read_text(errors="replace")
        listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", out)
        if listening and out.count("Booting worker") >= args.workers:  # each migrates on its first request
            return proc, int(listening.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop_server(proc)
    sys.exit(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def warm_up(port: int, args: argparse.Namespace) -> list[str]:
    """Published article slugs, once every kind of request is fast on every worker (models and caches
    load lazily in each one: a cold start is not the steady state being measured)."""
    client = Client(port, 0, [])
    status, body = client.request("GET", "/api/articles")
    if status != 200:
        sys.exit(f"GET /api/articles answered {status}")
    client.slugs = slugs = [a["slug"] for a in json.loads(body)["articles"]]
    deadline = time.monotonic() + WARM_UP_LIMIT_S
    for kind, _ in MIX:
        fast = 0
        while fast < 3 * args.workers:  # in a row, each on a new connection, so any worker may answer
            if time.monotonic() > deadline:
                sys.exit(f"{kind} requests were still slow or degraded after {WARM_UP_LIMIT_S} s of warm-up "
                         "(is the index built? `make index`, or try --semantic off)")
            client.conn = None
            started = time.perf_counter()
            status, body = client.one(kind)
            if status != EXPECTED[kind]:
                sys.exit(f"warm-up {kind} answered {status}: {body[:300]!r}")
            warm = time.perf_counter() - started < WARM_S
            if kind == "search" and args.semantic == "on":  # this worker's model is loaded
                client.conn = None
                status, body = client.request("GET", "/api/search?q=webhook&mode=semantic")
                warm = warm and status == 200 and not json.loads(body)["degraded"]
            fast = fast + 1 if warm else 0
            time.sleep(0 if fast else 0.2)
    return slugs


# -- the database ---------------------------------------------------------------------------------------
def participant_token(db_url: str) -> str:
    """A participant account (raising a case needs one) and its API token, as `flask account add/token` make."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)  # the schema may not exist yet: workers migrate on their first request that needs it
        accounts = Accounts(engine)
        account = accounts.add("load@example.com", "Load", "Tester")
        return accounts.create_token(account.id, "load run")[1]
    finally:
        engine.dispose()


def create_postgres_database(url: str) -> str:
    name = f"kb_load_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def count_cases(url: str, references: list[str]) -> tuple[int, int]:
    """(cases in the database, how many of the acknowledged references are among them)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = {r[0] for r in conn.execute(text("SELECT reference FROM cases"))}
    finally:
        engine.dispose()
    return len(stored), len(stored & set(references))


# -- main -----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as make serve)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4, as make serve)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to run against (a temporary "
                        "database is created there and dropped afterwards); default: a temporary SQLite file")
    parser.add_argument("--semantic", choices=("on", "off"), default="on", help="load the embedding model "
                        "(hybrid search, the default mode) or serve keyword search only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server and access logs)")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 600 or not 1 <= args.clients <= 256:
        parser.error("keep it bounded: --duration 1..600 s, --clients 1..256")
    if args.postgres and make_url(args.postgres).host not in (HOST, "localhost"):
        parser.error("--postgres must be a loopback server (127.0.0.1 or localhost)")

    tmp = Path(tempfile.mkdtemp(prefix="kb-load-"))
    db_url = create_postgres_database(args.postgres) if args.postgres else f"sqlite:///{tmp / 'kb.sqlite3'}"
    env = {**os.environ, "KB_ENV": "production", "KB_SECRET_KEY": uuid.uuid4().hex, "KB_DATABASE_URL": db_url,
           "KB_OUTBOX_DIR": str(tmp / "outbox"), "KB_SEMANTIC": args.semantic, "KB_RATE_LIMITS": RATE_LIMITS,
           "KB_PROXY_FIX": "0", "HF_HUB_OFFLINE": "1"}  # fmt: skip
    env.pop("KB_SMTP_URL", None)  # mail goes to the temporary outbox
    log = tmp / "gunicorn.log"
    proc = None
    try:
        proc, port = start_server(args, env, log)
        TOKEN["secret"] = participant_token(db_url)
        slugs = warm_up(port, args)
        results = Results()
        until = time.monotonic() + args.duration
        started = time.perf_counter()
        threads = [threading.Thread(target=drive, args=(port, args.seed * 1000 + i, slugs, until, results))
                   for i in range(args.clients)]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        stop_server(proc)
        stored, found = count_cases(db_url, results.created)
        server_errors = sum(1 for line in log.read_text(errors="replace").splitlines()
                            if " ERROR " in line or "Traceback" in line)  # fmt: skip
        report(args, results, elapsed, db_url, stored, found, server_errors)
        failed = sum(results.errors.values()) or server_errors or found != len(results.created)
        return 1 if failed else 0
    finally:
        if proc is not None:
            stop_server(proc)
        if args.postgres:
            drop_postgres_database(args.postgres, db_url)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(args: argparse.Namespace, results: Results, elapsed: float, db_url: str, stored: int, found: int,
           server_errors: int) -> None:
    backend = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite (WAL, synchronous=FULL)"
    print(f"Load: {elapsed:.1f} s, {args.clients} clients, gunicorn {args.workers} workers x {args.threads} threads, "
          f"{backend}, semantic {args.semantic}; {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} "
          f"at the end), Python {platform.python_version()}")
    print()
    print("| kind | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    everything: list[float] = []
    for kind, _ in MIX:
        values = results.latencies.get(kind, [])
        everything += values
        print(f"| {kind} | {len(values)} | {len(values) / elapsed:.1f} | {percentile(values, 50):.0f} | "
              f"{percentile(values, 95):.0f} | {percentile(values, 99):.0f} | {results.errors.get(kind, 0)} |")
    print(f"| **all** | {len(everything)} | {len(everything) / elapsed:.1f} | {percentile(everything, 50):.0f} | "
          f"{percentile(everything, 95):.0f} | {percentile(everything, 99):.0f} | {sum(results.errors.values())} |")
    print()
    print(f"errors: {sum(results.errors.values())}; server errors logged: {server_errors}; "
          f"cases acknowledged (201): {len(results.created)}, found in the database: {found} "
          f"({stored} stored, the warm-up's included)")
    for sample in results.samples:
        print(f"  {sample}")


if __name__ == "__main__":
    sys.exit(main())
