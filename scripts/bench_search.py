"""Search and assistant speed: index build (full and one-article incremental), query p50/p95 through the real
HTTP endpoint, the floor (bare query embedding + bare FAISS search), /api/assist p50/p95 and server memory, for
the shipped corpus and synthetic corpora of 1,000 and 10,000 articles.

    .venv/bin/python scripts/bench_search.py                     # shipped, 1000, 10000 (about 15-25 minutes)
    .venv/bin/python scripts/bench_search.py --sizes 1000 --queries 100

Synthetic corpora are generated into a temporary folder (deleted afterwards) from sentences, headings, titles
and tags of the shipped articles. Embedding 10,000 articles (about 47,000 passages) takes about 40 minutes on
2 cores, so unless --embed-10k is given the 10k semantic index is built from random unit vectors labelled with
the real model id: build time then excludes embedding (the 1k figure gives the embedding rate), and query
timings are real (the query is embedded by the real model; FAISS cost depends only on the number of vectors),
but the relevance of 10k results is meaningless. The server is the production one, as `make serve` runs it
(gunicorn with threads, 127.0.0.1 only), with one worker so that its memory is measured alone; the client keeps
its connection open between requests, as a browser does. Queries are timed once the worker's start-up work
(model, assistant evidence) is done.
"""
from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.repository import ContentRepository  # noqa: E402
from app.search.build import BuildReport, build_keyword  # noqa: E402
from app.search.embedder import MODEL_DIM, Embedder, SentenceTransformerEmbedder, model_id  # noqa: E402
from app.search.evaluation import load_questions  # noqa: E402
from app.search.onnx_embedder import export_onnx  # noqa: E402
from app.search.semantic_index import KIND, SemanticIndex, build_semantic  # noqa: E402
from app.search.store import IndexStore  # noqa: E402

QUESTION_SETS = (ROOT / ".." / "shared" / "data" / "assist-dev.yaml",
                 ROOT / "scripts" / "data" / "search-paraphrases.yaml")
MODES = ("keyword", "semantic", "hybrid")
REQUEST_TIMEOUT = 120.0


# Synthetic corpora

@dataclass(frozen=True)
class Material:
    sentences: tuple[str, ...]
    headings: tuple[str, ...]
    titles: tuple[str, ...]
    summaries: tuple[str, ...]
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    ids: tuple[str, ...]


def load_material(repo: ContentRepository) -> Material:
    articles = repo.published()
    sentences = {s.strip() for a in articles for s in re.split(r"(?<=[.!?])\s+", a.text) if 8 <= len(s.split()) <= 40}
    return Material(
        sentences=tuple(sorted(sentences)),
        headings=tuple(sorted({h.text for a in articles for h in a.headings})),
        titles=tuple(sorted(a.title for a in articles)),
        summaries=tuple(sorted(a.summary for a in articles)),
        tags=tuple(sorted({t for a in articles for t in a.tags})),
        categories=tuple(sorted(repo.categories)),
        ids=tuple(sorted({i for a in articles for i in a.covers()})),
    )


def synthetic_article(n: int, m: Material, rng: random.Random) -> str:
    """About 450 words: an opening and three headed sections, like the shipped articles."""
    def paragraph(words: int) -> str:
        out: list[str] = []
        while sum(len(s.split()) for s in out) < words:
            out.append(rng.choice(m.sentences))
        return " ".join(out)

    body = [paragraph(70)]
    for heading in rng.sample(m.headings, 3):
        body += [f"## {heading}", paragraph(120)]
    tags = ", ".join(json.dumps(t) for t in rng.sample(m.tags, 5))
    return (f"---\ntitle: {json.dumps(f'{rng.choice(m.titles)} (variant {n})')}\n"
            f"summary: {json.dumps(rng.choice(m.summaries))}\ncategory: {rng.choice(m.categories)}\n"
            f"tags: [{tags}]\nstatus: published\nowner: Benchmark\nscenarios: [{rng.choice(m.ids)}]\n---\n"
            + "\n\n".join(body) + "\n")


def generate_corpus(target: Path, size: int, material: Material, seed: int = 7) -> Path:
    rng = random.Random(seed)
    (target / "articles").mkdir(parents=True)
    shutil.copy(ROOT / "articles" / "categories.yaml", target / "articles" / "categories.yaml")
    shutil.copytree(ROOT / "glossary", target / "glossary")
    for n in range(size):
        path = target / "articles" / f"synthetic-{n:05d}.md"
        path.write_text(synthetic_article(n, material, rng), encoding="utf-8")
    return target


def touch_one_article(content: Path) -> None:
    """Change one sentence of one article: the one-article incremental rebuild."""
    path = sorted(p for p in (content / "articles").glob("*.md") if p.name != "README.md")[0]
    text = path.read_text(encoding="utf-8")
    edited = text.replace("\n## ", f"\n\nEdited at {time.time():.0f} for the benchmark.\n\n## ", 1)
    path.write_text(edited, encoding="utf-8")


class RandomVectors:
    """Stands in for the model at build time only: random unit vectors under the real model id."""

    def __init__(self) -> None:
        self.model_id, self.dim = model_id(), MODEL_DIM
        self._rng = np.random.default_rng(11)

    def load(self) -> None:
        pass

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        v = self._rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


# Measuring

def timed(fn: Callable[[], BuildReport]) -> tuple[float, BuildReport]:
    started = time.perf_counter()
    report = fn()
    return time.perf_counter() - started, report


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """The app as `make serve` runs it (gunicorn, gthread), one worker so its memory is measured alone, on
    127.0.0.1. The client keeps its connection open between requests, as a browser does."""

    def __init__(self, content: Path, index: Path, workdir: Path, threads: int = 4) -> None:
        self.started = time.perf_counter()
        self._conversation: str | None = None  # the conversation the next /api/assist request follows up
        env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index), "KB_SEMANTIC": "on",
               "KB_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}", "KB_OUTBOX_DIR": str(workdir / "outbox"),
               "KB_SECRET_KEY": "bench", "HF_HUB_OFFLINE": "1",
               "KB_NOW": os.environ.get("KB_NOW", "2026-11-04T11:00:00"),  # the assistant's clock, pinned
               # one client asking many questions: lift the per-client limit it would otherwise hit
               "KB_RATE_LIMITS": "assist-api=1000000/60"}
        self.log = workdir / "gunicorn.log"
        cmd = [str(Path(sys.executable).with_name("gunicorn")), "--workers", "1", "--threads", str(threads),
               "--bind", "127.0.0.1:0", "--timeout", "600", "app:create_app()"]
        with open(self.log, "w") as fh:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.perf_counter() + 120
        while not (found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())):
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.02)
        self.port = int(found.group(1))
        self.up_s = time.perf_counter() - self.started  # interpreter, imports, socket bound
        self._conn: http.client.HTTPConnection | None = None

    @property
    def worker_pid(self) -> int:
        return int(Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()[0])

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[float, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):  # the server closes a kept-alive connection left idle: reopen it once
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            started = time.perf_counter()
            try:
                self._conn.request(method, path, body=data, headers=headers)
                resp = self._conn.getresponse()
                payload = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if resp.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {resp.status}")
            return elapsed, json.loads(payload)
        raise AssertionError("unreachable")

    def search(self, q: str, mode: str) -> tuple[float, dict]:
        return self.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q, "mode": mode, "limit": 10}))

    def assist(self, message: str) -> tuple[float, dict]:
        """Every other request is a follow-up in the conversation the previous one began, as chats run."""
        follow_up, self._conversation = self._conversation, None
        if follow_up:
            return self.request("POST", "/api/assist", {"message": FOLLOW_UP, "conversation_id": follow_up})
        elapsed, body = self.request("POST", "/api/assist", {"message": message, "conversation_id": None})
        self._conversation = body.get("conversation_id")
        return elapsed, body

    def wait_first_answer(self) -> float:
        """Seconds from process start to the first keyword answer."""
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            try:
                self.search("certificate", "keyword")
                return time.perf_counter() - self.started
            except OSError:
                self._conn = None
                time.sleep(0.02)
        raise RuntimeError("server did not answer")

    def wait_semantic(self) -> float:
        deadline = time.perf_counter() + 300
        while time.perf_counter() < deadline:
            if not self.search("certificate", "hybrid")[1]["degraded"]:
                return time.perf_counter() - self.started
            time.sleep(0.1)
        raise RuntimeError("semantic search never became ready")

    def wait_idle(self, limit: float = 1800.0) -> float:
        """Seconds from start until the worker's own background work (model, assistant warm-up) is done:
        under 5% of a core for 3 seconds running. Queries are timed after that, in the steady state."""
        tick = os.sysconf("SC_CLK_TCK")
        deadline, quiet = time.perf_counter() + limit, 0
        last = self._cpu_seconds(tick)
        while time.perf_counter() < deadline and quiet < 3:
            time.sleep(1.0)
            now = self._cpu_seconds(tick)
            quiet = quiet + 1 if now - last < 0.05 else 0
            last = now
        return time.perf_counter() - self.started

    def _cpu_seconds(self, tick: int) -> float:
        fields = Path(f"/proc/{self.worker_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self.proc.terminate()
        self.proc.wait(30)


def timed_requests(call: Callable[[str], tuple[float, dict]], texts: Sequence[str], count: int,
                   label: str, after: Callable[[str], None] | None = None) -> tuple[float, float, float, int]:
    """(p50 ms, p95 ms, median server took_ms, failed requests) of `count` sequential calls, after a warm-up;
    `after` runs after each timed call, with the same text."""
    for text in texts[:10]:
        call(text)
    client, took, failed = [], [], 0
    for i in range(count):
        text = texts[i % len(texts)]
        try:
            elapsed, body = call(text)
        except (OSError, RuntimeError) as exc:  # a timeout counts against the figures, it does not end the run
            print(f"  {label} request failed: {exc}", file=sys.stderr)
            client.append(REQUEST_TIMEOUT * 1000)
            failed += 1
            continue
        if label in ("semantic", "hybrid") and body["degraded"]:
            raise RuntimeError(f"{label} degraded: {body['notice']}")
        client.append(elapsed * 1000)
        if "took_ms" in body:
            took.append(body["took_ms"])
        if after is not None:
            after(text)
    p50, p95 = percentiles(client)
    return p50, p95, statistics.median(took) if took else float("nan"), failed


class Floor:
    """The bare query embedding plus the bare FAISS search (k=180, what hybrid asks for), in this process.

    Timed right after each hybrid request, for the same question, so that the floor and hybrid see the machine
    in the same state (its speed drifts by a third over minutes); the server is idle meanwhile.
    """

    def __init__(self, embedder: Embedder, index_dir: Path, warm_up: Sequence[str]) -> None:
        self.embedder = embedder
        self.index = SemanticIndex.open(IndexStore(index_dir).path(KIND))
        self.samples: list[float] = []
        for text in warm_up[:10]:
            self.index.search(self.embedder.encode([text])[0], 180)

    def __call__(self, text: str) -> None:
        started = time.perf_counter()
        self.index.search(self.embedder.encode([text])[0], 180)
        self.samples.append((time.perf_counter() - started) * 1000)


#: the follow-up every other /api/assist request sends: it re-reads the topic's messages together
FOLLOW_UP = "tried that, still not working"


def bench_queries(server: Server, queries: Sequence[str], count: int,
                  floor: Floor) -> dict[str, tuple[float, float, float, int]]:
    """mode -> timings of GET /api/search (the floor timed after each hybrid request); "assist" -> timings of
    POST /api/assist with the same questions."""
    out = {mode: timed_requests(functools.partial(server.search, mode=mode), queries, count, mode,
                                floor if mode == "hybrid" else None) for mode in MODES}
    out["assist"] = timed_requests(server.assist, queries, count, "assist")
    return out


def cold_cli_build(content: Path, index: Path) -> float:
    """`flask --app app index build` end to end in a fresh process (imports, model load when needed)."""
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index), "KB_SEMANTIC": "on",
           "KB_DATABASE_URL": f"sqlite:///{index.parent / 'cli.sqlite3'}",
           "KB_OUTBOX_DIR": str(index.parent / "outbox"), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "index", "build"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=3600)
    return time.perf_counter() - started


def bench_corpus(label: str, content: Path, work: Path, embedder: Embedder, queries: Sequence[str], count: int,
                 real_vectors: bool) -> dict:
    index_dir = work / "index"
    load_s, repo = timed(lambda: ContentRepository(content))
    store = IndexStore(index_dir)
    builder = embedder if real_vectors else RandomVectors()
    kw_s, kw = timed(lambda: build_keyword(repo, store))
    sem_s, sem = timed(lambda: build_semantic(repo, store, builder, progress=False))
    touch_one_article(content)
    repo2 = ContentRepository(content)
    kw_inc_s, _ = timed(lambda: build_keyword(repo2, store))
    sem_inc_s, sem_inc = timed(lambda: build_semantic(repo2, store, builder, progress=False))
    export_onnx(index_dir)  # once per model, at the first `make index`: not part of the timed rebuild below
    touch_one_article(content)
    cli_s = cold_cli_build(content, index_dir) if real_vectors else None

    load_before = os.getloadavg()[0]
    server = Server(content, index_dir, work)
    try:
        up = server.up_s
        first_answer = server.wait_first_answer()
        ready = server.wait_semantic()
        idle = server.wait_idle()
        floor = Floor(embedder, index_dir, queries)
        timings = bench_queries(server, queries, count, floor)
        rss = rss_mb(server.worker_pid)
    finally:
        server.stop()
    return {"label": label, "articles": len(repo.published()), "passages": sem.documents, "load_s": load_s,
            "keyword_s": kw_s, "semantic_s": sem_s, "embedded": sem.embedded, "real_vectors": real_vectors,
            "keyword_inc_s": kw_inc_s, "semantic_inc_s": sem_inc_s, "embedded_inc": sem_inc.embedded,
            "cli_inc_s": cli_s, "up_s": up, "first_answer_s": first_answer, "semantic_ready_s": ready, "idle_s": idle,
            "queries": timings, "floor": percentiles(floor.samples), "rss_mb": rss,
            "load": (load_before, os.getloadavg()[0])}


def print_report(results: list[dict], count: int, file=None) -> None:
    say = functools.partial(print, file=file or sys.stdout)

    say(f"\n# Search benchmark, {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    say(f"{count} sequential requests per mode through GET /api/search and POST /api/assist "
        f"(gunicorn, 1 worker, kept-alive connection, 127.0.0.1), torch 1 thread, "
        f"faiss 1 OpenMP thread.\n")
    say("| corpus | articles | passages | loading the content | full build: keyword | full build: semantic | "
        "one-article rebuild: keyword + semantic (in process) | same via `flask index build` (cold process) |")
    say("|---|---|---|---|---|---|---|---|")
    for r in results:
        sem = f"{r['semantic_s']:.1f} s ({r['embedded']} embedded)" if r["real_vectors"] else \
            f"{r['semantic_s']:.1f} s (random vectors, no embedding)"
        cli = f"{r['cli_inc_s']:.1f} s" if r["cli_inc_s"] is not None else "n/a"
        say(f"| {r['label']} | {r['articles']} | {r['passages']} | {r['load_s']:.1f} s | {r['keyword_s']:.1f} s | "
            f"{sem} | "
            f"{r['keyword_inc_s']:.2f} + {r['semantic_inc_s']:.2f} s ({r['embedded_inc']} embedded) | {cli} |")
    say("\n| corpus | keyword p50 / p95 | semantic p50 / p95 | hybrid p50 / p95 | floor p50 / p95 | hybrid p95 / "
        "floor p95 | /api/assist p50 / p95 | server RSS, model loaded | after start: listening / first keyword "
        "answer / semantic ready / idle | load avg (1 min) before / after |")
    say("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        q, (f50, f95) = r["queries"], r["floor"]
        cells = {m: f"{q[m][0]:.1f} / {q[m][1]:.1f} ms" + (f" ({q[m][3]} failed)" if q[m][3] else "") for m in q}
        say(f"| {r['label']} | {' | '.join(cells[m] for m in MODES)} | {f50:.1f} / {f95:.1f} ms | "
            f"{q['hybrid'][1] / f95:.2f}x | {cells['assist']} | {r['rss_mb']:.0f} MB | "
            f"{r['up_s']:.1f} / {r['first_answer_s']:.1f} / {r['semantic_ready_s']:.1f} / {r['idle_s']:.0f} s | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |")
    say("\nServer-side took_ms medians (keyword / semantic / hybrid): " + "; ".join(
        f"{r['label']}: " + " / ".join(f"{r['queries'][m][2]:.1f}" for m in MODES) for r in results))
    for r in results:
        if r["real_vectors"] and r["embedded"]:
            say(f"Embedding rate ({r['label']}): {r['embedded'] / r['semantic_s']:.1f} passages/s full build.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="shipped,1000,10000", help="comma-separated: shipped and/or article counts")
    parser.add_argument("--queries", type=int, default=200, help="requests per mode per corpus")
    parser.add_argument("--embed-10k", action="store_true", help="embed corpora over 5,000 articles for real (slow)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    queries = [q.text for path in QUESTION_SETS if path.exists() for q in load_questions(path)]
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    shipped = ContentRepository(ROOT)
    material = load_material(shipped)
    results = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        for size in args.sizes.split(","):
            work = Path(tmp) / size
            work.mkdir()
            if size == "shipped":
                content = work / "content"
                shutil.copytree(ROOT / "articles", content / "articles")
                shutil.copytree(ROOT / "glossary", content / "glossary")
                label = "shipped"
            else:
                content = generate_corpus(work / "content", int(size), material)
                label = f"synthetic {int(size):,}"
            real = size == "shipped" or int(size) <= 5000 or args.embed_10k
            print(f"{label}: building and measuring ...", file=sys.stderr, flush=True)
            results.append(bench_corpus(label, content, work, embedder, queries, args.queries, real))
            shutil.rmtree(work, ignore_errors=True)
            print_report(results[-1:], args.queries, file=sys.stderr)  # figures so far, in case a later corpus fails
            if args.json:
                args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_report(results, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
