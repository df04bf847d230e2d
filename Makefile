# The two commands: `make run` and `make test`. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PORT ?= 5000
HOST ?= 127.0.0.1
WORKERS ?= 2
THREADS ?= 4
export HF_HUB_OFFLINE := 1

.PHONY: run test install install-runtime index check lint lock eval bench serve load clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# requirements.txt: what production runs; requirements-dev.txt: that plus the test and dev tools. Both are
# generated from pyproject.toml by `make lock`.
$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	@touch $(RUNTIME)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt -r requirements-dev.txt
	@touch $(RUNTIME) $(STAMP)

install: $(STAMP)  ## create .venv and install the runtime plus test and dev tools (seconds when nothing changed)

install-runtime: $(RUNTIME)  ## create .venv with the runtime only, as production has it (no test tools)

lock: | $(BIN)/python  ## regenerate requirements*.txt from pyproject.toml (keeps locked versions that still fit)
	$(BIN)/python scripts/lock.py

index: install-runtime  ## build the search indexes; only what changed is rebuilt
	@$(BIN)/python -m compileall -q app  # bytecode a server loads at start, even where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/flask --app app index build

run: index  ## serve on http://127.0.0.1:$(PORT) with the embedded defaults (links in emails point there)
	@[ -n "$$KB_SMTP_URL" ] || echo "Mail (sign-in codes, case emails) is written to $${KB_OUTBOX_DIR:-$(CURDIR)/outbox}/ as .eml files"
	KB_BASE_URL="$${KB_BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

serve: index  ## production server: gunicorn, $(WORKERS) workers x $(THREADS) threads on $(HOST):$(PORT) (README: Production)
	$(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
		--timeout 60 --graceful-timeout 30 --access-logfile - "app:create_app()"

load: index  ## bounded load run on loopback (gunicorn, 20 s, 8 clients, SQLite): throughput, p50/p95/p99, errors
	$(BIN)/python scripts/load.py

check: install-runtime  ## check articles and glossary: prints path:line: problems, fails on any error
	$(BIN)/flask --app app content check

test: install  ## the whole test suite, with line coverage of app/ (fails under [tool.coverage.report] fail_under)
	$(BIN)/python -m pytest -q --cov=app --cov-report=term:skip-covered

lint: install  ## ruff over the code, bandit over app/ (a deliberate exception is `# nosec BXXX` with its reason)
	$(BIN)/ruff check app scripts tests
	$(BIN)/bandit -q -r app

eval: install  ## answer quality on ../shared/data/assist-dev.yaml: prints accuracies and failures
	$(BIN)/python scripts/eval_assist.py

.PHONY: eval-search

eval-search: install  ## search quality: recall@1, recall@3, MRR@10 for keyword, semantic and hybrid (also run by make eval)
	$(BIN)/python scripts/eval_search.py

eval: eval-search

bench: install  ## search and assistant speed: index builds, search and /api/assist p50/p95 through HTTP, memory; shipped, 1k, 10k (20+ min); then bench-gaps
	@$(BIN)/python -m compileall -q app
	$(BIN)/python scripts/bench_search.py
	$(BIN)/python scripts/bench_gaps.py

.PHONY: bench-gaps

bench-gaps: install  ## knowledge-gaps report time with 100,000 logged searches (two mixes, about a minute)
	$(BIN)/python scripts/bench_gaps.py

clean:
	rm -rf index/keyword-* index/semantic-* index/evidence-* index/manifest.json
