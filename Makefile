SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# This machine's pip.conf names local wheel folders that may not exist; drop pip's noise about them.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test bench loadtest fuzz clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)
	$(PY) -m pip install --quiet -r requirements.txt $(PIP_QUIET)
	touch $@

install: $(VENV)/.installed

## Start web server, Celery worker and beat (SQLite + folder broker unless DATABASE_URL/CELERY_BROKER_URL are set).
run: install
	./scripts/run.sh

## Run the whole suite against real PostgreSQL and Redis on 127.0.0.1.
test: install
	./scripts/ensure_services.sh
	$(PY) -m pytest $(PYTEST_ARGS)
	@# The embedded mode (make run) writes through SQLite-specific paths: run the ingest, rollup and history tests there too.
	rm -f var/test/embedded.sqlite3
	DATABASE_URL=sqlite:///$(CURDIR)/var/test/embedded.sqlite3 $(PY) -m pytest compliance/tests/test_services.py compliance/tests/test_scoring.py \
		compliance/tests/test_rollups.py compliance/tests/test_analytics_history.py

## Benchmarks: printed side-by-side figures, not part of the suite.
bench: install
	./scripts/ensure_services.sh
	$(PY) bench/run.py

## 60 s of mixed load against gunicorn (4 workers) on loopback; fails on any 5xx.
loadtest: install
	./scripts/ensure_services.sh
	$(PY) loadtest/run.py

## A long schemathesis run (the suite runs a bounded one).
fuzz: install
	./scripts/ensure_services.sh
	FUZZ_EXAMPLES=50 $(PY) -m pytest compliance_site/tests/test_api_fuzz.py -q

clean:
	rm -rf var/test .pytest_cache
