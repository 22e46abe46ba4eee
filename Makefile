# Tradepost: `make demo` runs the store, `make test` runs every test. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
STORE_PRESET ?= components
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: pdf demo test test-fast lint format install browser clean help bench bench-search bench-checkout

help:
	@echo "make demo   - install, migrate var/tradepost.sqlite3, load the $(STORE_PRESET) demo store, serve http://$(HOST):$(PORT)"
	@echo "make test   - the whole test suite (set DATABASE_URL to run it on PostgreSQL)"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks into BENCHMARKS.md (minutes; SQLite and PostgreSQL)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The venv is rebuilt from the lock file whenever the lock changes. Bytecode is compiled at install: a
# machine with PYTHONDONTWRITEBYTECODE (containers often set it) would otherwise compile every imported
# module from source in every new process, and a server worker's first requests would wait for it.
$(VENV)/.synced: pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced

# Browser tests drive Debian's chromium; WeasyPrint (invoice PDFs) needs Pango and a font.
# Install what is missing when we may.
PDF_NEEDS = $$(ldconfig -p | grep -q libpangoft2-1.0 || echo libpango-1.0-0 libpangoft2-1.0-0) \
	$$(fc-list 2>/dev/null | grep -qi dejavu || echo fonts-dejavu-core)
DEBIAN_NEEDS = $$(command -v chromium >/dev/null 2>&1 || echo chromium) $(PDF_NEEDS)
browser: DEBIAN_WANTED = $(DEBIAN_NEEDS)
pdf: DEBIAN_WANTED = $(PDF_NEEDS)
browser pdf:
	@missing="$(DEBIAN_WANTED)"; missing=$$(echo $$missing); if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null); \
	  else echo "Missing Debian packages: $$missing (browser tests are skipped; PDFs need Pango)"; fi; \
	fi

# Without PayPal credentials of your own, the demo pays through a local fake PayPal (no money moves).
PAYPAL_PORT ?= 8089
ifeq ($(PAYPAL_CLIENT_ID),)
DEMO_PAYPAL := PAYPAL_API_BASE=http://127.0.0.1:$(PAYPAL_PORT) PAYPAL_CLIENT_ID=fake-client-id \
	PAYPAL_CLIENT_SECRET=fake-client-secret PAYPAL_WEBHOOK_ID=WH-DEMO
START_FAKE_PAYPAL := $(PY) -m tradepost.payments.testing.fake_paypal --port $(PAYPAL_PORT) >/dev/null 2>&1 &
endif

demo: install pdf
	TRADEPOST_DEV=1 $(PY) manage.py migrate --noinput
	TRADEPOST_DEV=1 $(PY) manage.py demo --preset $(STORE_PRESET)
	@test -n "$(START_FAKE_PAYPAL)" && echo "PayPal and card payments go to a local fake PayPal on port $(PAYPAL_PORT): no money moves." || true
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT; $(START_FAKE_PAYPAL) \
	TRADEPOST_DEV=1 $(DEMO_PAYPAL) $(PY) manage.py runserver $(HOST):$(PORT)

test: install browser
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not browser"

lint: install
	$(VENV)/bin/ruff check .

# Benchmarks are not tests: they take minutes and write BENCHMARKS.md. Needs wrk (Debian) and PostgreSQL.
bench: bench-search bench-checkout

bench-search: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(PY) -m bench.catalog $(BENCH_ARGS)

bench-checkout: install
	$(PY) -m bench.checkout $(BENCH_ARGS)

format: install
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) var/test.sqlite3* var/cache
