"""Search and assistant speed: index build (full and one-article incremental), query p50/p95 through the real
HTTP endpoint, the floor (bare query embedding + bare FAISS search), /api/assist p50/p95 and server memory, for
the shipped corpus and synthetic corpora of 1,000 and 10,000 articles.

    .venv/bin/python scripts/bench_search.py                     # shipped, 1000, 10000 (about 15-25 minutes)
    .venv/bin/python scripts/bench_search.py --sizes 1000 --queries 100
    .venv/bin/python scripts/bench_search.py --sizes shipped,1000 --cache ~/.cache/kb-bench   # 1k built once, reused

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

    def wait_ready(self) -> tuple[float, float]:
        """Seconds from process start to the first answer of GET /readyz (any status), and to its first 200,
        polled every 20 ms as a load balancer would: the first request also starts the model loading."""
        deadline, first = time.perf_counter() + 300, None
        while time.perf_counter() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
                conn.request("GET", "/readyz")
                status = conn.getresponse().status
                conn.close()
            except OSError:
                time.sleep(0.02)
                continue
            now = time.perf_counter() - self.started
            first = first if first is not None else now
            if status == 200:
                return first, now
            time.sleep(0.02)
        raise RuntimeError("/readyz never answered 200")

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
    """The bare sentence-transformers query embedding, and it plus the bare FAISS search (k=180, what hybrid asks
    for), in this process.

    Timed right after each hybrid request, for the same question, so that the floor and hybrid see the machine
    in the same state (its speed drifts by a third over minutes); the server is idle meanwhile.
    """

    def __init__(self, embedder: Embedder, index_dir: Path, warm_up: Sequence[str]) -> None:
        self.embedder = embedder
        self.index = SemanticIndex.open(IndexStore(index_dir).path(KIND))
        self.samples: list[float] = []  # embedding + FAISS search
        self.embedding: list[float] = []  # the embedding alone
        for text in warm_up[:10]:
            self.index.search(self.embedder.encode([text])[0], 180)

    def __call__(self, text: str) -> None:
        started = time.perf_counter()
        vector = self.embedder.encode([text])[0]
        embedded = time.perf_counter()
        self.index.search(vector, 180)
        self.embedding.append((embedded - started) * 1000)
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


def full_builds(content: Path, index_dir: Path, embedder: Embedder, real_vectors: bool) -> dict:
    """Time loading the content and the full keyword and semantic builds, in this process."""
    load_s, repo = timed(lambda: ContentRepository(content))
    store = IndexStore(index_dir)
    kw_s, _ = timed(lambda: build_keyword(repo, store))
    sem_s, sem = timed(lambda: build_semantic(repo, store, embedder if real_vectors else RandomVectors(),
                                              progress=False))
    return {"articles": len(repo.published()), "passages": sem.documents, "load_s": load_s, "keyword_s": kw_s,
            "semantic_s": sem_s, "embedded": sem.embedded, "real_vectors": real_vectors}


def prepared_corpus(size: str, work: Path, cache: Path | None, material: Material, embedder: Embedder,
                    embed_10k: bool) -> tuple[Path, Path, dict]:
    """(content dir, index dir, full-build figures) in `work`: built here, or copied from `cache` when a run with
    --cache built this size before (its full-build figures are that run's, marked as cached)."""
    content, index_dir = work / "content", work / "index"
    cached = cache / size if cache is not None and size != "shipped" else None  # the shipped corpus changes
    if cached is not None and (cached / "build.json").exists():
        shutil.copytree(cached / "content", content)
        shutil.copytree(cached / "index", index_dir)
        return content, index_dir, {**json.loads((cached / "build.json").read_text()), "cached": True}
    if size == "shipped":
        shutil.copytree(ROOT / "articles", content / "articles")
        shutil.copytree(ROOT / "glossary", content / "glossary")
    else:
        generate_corpus(content, int(size), material)
    real = size == "shipped" or int(size) <= 5000 or embed_10k
    builds = full_builds(content, index_dir, embedder, real)
    if cached is not None:
        shutil.copytree(content, cached / "content")
        shutil.copytree(index_dir, cached / "index")
        (cached / "build.json").write_text(json.dumps(builds), encoding="utf-8")
    return content, index_dir, builds


def bench_corpus(label: str, content: Path, index_dir: Path, builds: dict, work: Path, embedder: Embedder,
                 queries: Sequence[str], count: int) -> dict:
    real_vectors = builds["real_vectors"]
    builder = embedder if real_vectors else RandomVectors()
    store = IndexStore(index_dir)
    touch_one_article(content)
    repo = ContentRepository(content)
    kw_inc_s, _ = timed(lambda: build_keyword(repo, store))
    sem_inc_s, sem_inc = timed(lambda: build_semantic(repo, store, builder, progress=False))
    cli_s = None
    if real_vectors:
        cold_cli_build(content, index_dir)  # untimed: whatever else `make index` builds once (the ONNX export, ...)
        touch_one_article(content)
        cli_s = cold_cli_build(content, index_dir)
    else:
        export_onnx(index_dir)

    load_before = os.getloadavg()[0]
    server = Server(content, index_dir, work)
    try:
        up = server.up_s
        first_answer, ready = server.wait_ready()
        idle = server.wait_idle()
        floor = Floor(embedder, index_dir, queries)
        timings = bench_queries(server, queries, count, floor)
        rss = rss_mb(server.worker_pid)
    finally:
        server.stop()
    return {"label": label, **builds, "keyword_inc_s": kw_inc_s, "semantic_inc_s": sem_inc_s,
            "embedded_inc": sem_inc.embedded, "cli_inc_s": cli_s, "up_s": up, "first_answer_s": first_answer,
            "ready_s": ready, "idle_s": idle, "queries": timings, "floor": percentiles(floor.samples),
            "embedding": percentiles(floor.embedding), "rss_mb": rss, "load": (load_before, os.getloadavg()[0])}


#: issue 17's targets: (figure, limit, how it is computed from one corpus's results, corpora it applies to)
TARGETS = (
    ("hybrid /api/search p50 / bare sentence-transformers query embedding p50", 1.0,
     lambda r: r["queries"]["hybrid"][0] / r["embedding"][0], None),
    ("/api/assist p95, ms", 30.0, lambda r: r["queries"]["assist"][1], None),
    ("keyword /api/search p95, ms", 10.0, lambda r: r["queries"]["keyword"][1], ("synthetic 1,000",)),
    ("server RSS after warm-up, MB", 350.0, lambda r: r["rss_mb"], ("shipped",)),
    ("server RSS after warm-up, MB", 450.0, lambda r: r["rss_mb"], ("synthetic 1,000",)),
    ("/readyz 200 after process start, s", 3.0, lambda r: r["ready_s"], None),
    ("cold `flask index build` after one article changed, s", 5.0, lambda r: r["cli_inc_s"], None),
)


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
        cached = " (cached build)" if r.get("cached") else ""
        cli = f"{r['cli_inc_s']:.1f} s" if r["cli_inc_s"] is not None else "n/a"
        say(f"| {r['label']} | {r['articles']} | {r['passages']} | {r['load_s']:.1f} s | {r['keyword_s']:.1f} s"
            f"{cached} | {sem}{cached} | "
            f"{r['keyword_inc_s']:.2f} + {r['semantic_inc_s']:.2f} s ({r['embedded_inc']} embedded) | {cli} |")
    say("\n| corpus | keyword p50 / p95 | semantic p50 / p95 | hybrid p50 / p95 | sentence-transformers query "
        "embedding p50 / p95 | floor (that + FAISS) p50 / p95 | hybrid p50 / embedding p50 | /api/assist p50 / p95 | "
        "server RSS after warm-up | after start: listening / first answer / /readyz 200 / idle | "
        "load avg (1 min) before / after |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        q, (f50, f95), (e50, e95) = r["queries"], r["floor"], r["embedding"]
        cells = {m: f"{q[m][0]:.1f} / {q[m][1]:.1f} ms" + (f" ({q[m][3]} failed)" if q[m][3] else "") for m in q}
        say(f"| {r['label']} | {' | '.join(cells[m] for m in MODES)} | {e50:.1f} / {e95:.1f} ms | "
            f"{f50:.1f} / {f95:.1f} ms | {q['hybrid'][0] / e50:.2f}x | {cells['assist']} | {r['rss_mb']:.0f} MB | "
            f"{r['up_s']:.1f} / {r['first_answer_s']:.1f} / {r['ready_s']:.1f} / {r['idle_s']:.0f} s | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |")
    say("\nServer-side took_ms medians (keyword / semantic / hybrid): " + "; ".join(
        f"{r['label']}: " + " / ".join(f"{r['queries'][m][2]:.1f}" for m in MODES) for r in results))
    for r in results:
        if r["real_vectors"] and r["embedded"]:
            say(f"Embedding rate ({r['label']}): {r['embedded'] / r['semantic_s']:.1f} passages/s full build.")
    say("\nTargets (issue 17):")
    for name, limit, figure, corpora in TARGETS:
        for r in results:
            value = figure(r) if corpora is None or r["label"] in corpora else None
            if value is not None:
                verdict = "met" if value <= limit else "NOT MET"
                say(f"- {r['label']}: {name} {value:.2f} (target under {limit:g}): {verdict}")
    say("\nThe machine's speed in this run (it drifts by up to half between runs on a shared machine), and the "
        "absolute figures in its units:")
    for r in results:
        e50 = r["embedding"][0]
        say(f"- {r['label']}: bare sentence-transformers query embedding p50 {e50:.1f} ms; /api/assist p95 "
            f"{r['queries']['assist'][1] / e50:.2f}x it, keyword p95 {r['queries']['keyword'][1] / e50:.2f}x it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="shipped,1000,10000", help="comma-separated: shipped and/or article counts")
    parser.add_argument("--queries", type=int, default=200, help="requests per mode per corpus")
    parser.add_argument("--embed-10k", action="store_true", help="embed corpora over 5,000 articles for real (slow)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--cache", type=Path, help="keep each synthetic corpus and its full build here, and reuse them "
                        "in later runs (the full-build figures are then the first run's)")
    args = parser.parse_args(argv)

    queries = [q.text for path in QUESTION_SETS if path.exists() for q in load_questions(path)]
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    material = load_material(ContentRepository(ROOT))
    results = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        for size in args.sizes.split(","):
            work = Path(tmp) / size
            work.mkdir()
            label = "shipped" if size == "shipped" else f"synthetic {int(size):,}"
            print(f"{label}: building and measuring ...", file=sys.stderr, flush=True)
            content, index_dir, builds = prepared_corpus(size, work, args.cache, material, embedder, args.embed_10k)
            results.append(bench_corpus(label, content, index_dir, builds, work, embedder, queries, args.queries))
            shutil.rmtree(work, ignore_errors=True)
            print_report(results[-1:], args.queries, file=sys.stderr)  # figures so far, in case a later corpus fails
            if args.json:
                args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_report(results, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
