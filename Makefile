SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# This machine's pip.conf names local wheel folders that may not exist; drop pip's noise about them.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Extra pip-compile options for `make requirements`, e.g. PIP_COMPILE_ARGS="--upgrade-package Django".
PIP_COMPILE_ARGS ?=
# The same flags for both lock files; the header of each names `make requirements` as its command.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make requirements" $(VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url --no-emit-trusted-host $(PIP_COMPILE_ARGS)

.PHONY: install install-dev run test lint requirements bench bench-evidence bench-oscal bench-transparency bench-webhooks bench-scale bench-ingest loadtest fuzz clean

# What production runs (requirements.txt); the stamp is rebuilt when the file changes.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt $(PIP_QUIET)
	touch $@

# The runtime set plus tests, benchmarks and lint: requirements-dev.txt holds both.
$(VENV)/.installed-dev: requirements-dev.txt requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt $(PIP_QUIET)
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## Start web server, Celery worker and beat (SQLite + folder broker unless DATABASE_URL/CELERY_BROKER_URL are set).
run: install
	./scripts/run.sh

## Run the whole suite against real PostgreSQL and Redis on 127.0.0.1.
test: install-dev
	./scripts/ensure_services.sh
	$(PY) -m pytest $(PYTEST_ARGS)
	@# The embedded mode (make run) writes through SQLite-specific paths: run the ingest, rollup and history tests there too.
	rm -f var/test/embedded.sqlite3
	DATABASE_URL=sqlite:///$(CURDIR)/var/test/embedded.sqlite3 $(PY) -m pytest compliance/tests/test_services.py compliance/tests/test_scoring.py \
		compliance/tests/test_rollups.py compliance/tests/test_analytics_history.py

## Lint, formatting and import contracts; runs all three and fails if any fails.
lint: install-dev
	status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check --output-format concise . || status=1; \
	$(VENV)/bin/lint-imports --no-cache || status=1; \
	exit $$status

## Recompile requirements.txt and requirements-dev.txt from the .in files; existing pins are kept.
requirements: install-dev
	$(PIP_COMPILE) -o requirements.txt requirements.in $(PIP_QUIET)
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in $(PIP_QUIET)

## Benchmarks: printed side-by-side figures, not part of the suite.
bench: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/run.py

## Evidence upload and hashing (100 MB vs sha256sum) and freezing a 1,000,000-evaluation population.
bench-evidence: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/bench_evidence.py

## SSP export of a MODERATE system (287 controls, 20 components) beside trestle alone validating it.
bench-oscal: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/bench_oscal.py

## The transparency log alone: checkpoint and proof cost at 1k (baseline), 1M and 10M entries.
bench-transparency: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/bench_transparency.py

## Webhook delivery: events/s per Celery worker to a receiver on 127.0.0.1, beside a bare loop of the same signed POSTs.
bench-webhooks: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/bench_webhooks.py

## The same reads, ingest and retention at two history sizes (BENCH_SCALE_SIZES, default 1M,10M); not CI.
bench-scale: install-dev
	./scripts/ensure_services.sh
	cd bench && ../$(PY) bench_scale.py

## Evaluation ingest, live feed and backfill, in process and over HTTP (gunicorn), beside a raw COPY of rows drawn alike.
## BENCH_INGEST_ARGS=--steps prints where a batch's time goes instead.
BENCH_INGEST_ARGS ?= --http
bench-ingest: install-dev
	./scripts/ensure_services.sh
	$(PY) bench/bench_ingest.py $(BENCH_INGEST_ARGS)

## Open-loop capacity of gunicorn (4 workers) on loopback for three mixes, beside a hand-written floor; fails on any 500.
loadtest: install-dev
	./scripts/ensure_services.sh
	$(PY) loadtest/run.py

## A long schemathesis run (the suite runs a bounded one).
fuzz: install-dev
	./scripts/ensure_services.sh
	FUZZ_EXAMPLES=50 $(PY) -m pytest compliance_site/tests/test_api_fuzz.py -q

clean:
	rm -rf var/test .pytest_cache .import_linter_cache
