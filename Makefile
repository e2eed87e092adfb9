# siteaudit — one gate (`make check`), one demo, one test command. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev
# the versions a fresh machine installs (see the file's header; `make constraints` refreshes it)
CONSTRAINTS ?= constraints.txt
PIP_INSTALL = $(BIN)/pip install -q -c $(CONSTRAINTS)

.PHONY: constraints demo test test-slow test-chaos test-fuzz check lint typecheck imports bench bench-crawl bench-catalogue bench-distributed bench-served bench-checks services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c $(CONSTRAINTS) --upgrade pip

$(RUN_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(RUN_STAMP)

## constraints: re-pin constraints.txt to the newest releases pyproject.toml allows (in a
## scratch venv); review the diff and run `make check` before committing it
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install -q --upgrade pip
	.venv-constraints/bin/pip install -q -e '.[dev]'
	{ sed -n '/^#/p' $(CONSTRAINTS); \
	  .venv-constraints/bin/pip freeze --all --exclude-editable | grep -v '^setuptools=='; \
	} > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf .venv-constraints

## demo: serve the bundled demo shop on 127.0.0.1, audit it, print the summary and report paths
demo: $(RUN_STAMP)
	$(BIN)/siteaudit demo

## test: install the dev dependencies and run the whole suite, in TEST_WORKERS pytest
## processes at once (most tests wait on servers, workers and brokers, not on the CPU)
TEST_WORKERS ?= 3
test: $(DEV_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

## test-slow: the scale tests (a 100,000-page synthetic site; several minutes)
test-slow: $(DEV_STAMP)
	$(BIN)/pytest -m slow -p no:cacheprovider tests/slow

## test-fuzz: generated hostile sites through the real CLI, whole and interrupted then
## resumed, and on both engines (FUZZ_SEEDS=20 sites by default, from FUZZ_FIRST_SEED=1;
## minutes)
test-fuzz: $(DEV_STAMP)
	$(BIN)/pytest -m fuzz -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal tests/fuzz

## test-chaos: fault injection against real Celery workers on Redis and RabbitMQ (minutes)
test-chaos: $(DEV_STAMP)
	$(BIN)/pytest -m chaos -p no:cacheprovider tests/chaos

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

imports: $(DEV_STAMP)
	$(BIN)/lint-imports

## check: the one gate — ruff, mypy --strict, import-linter, tests
check: lint typecheck imports test

## services: start PostgreSQL, Redis and RabbitMQ if they are down (the CI machine has them)
services:
	bash .ci/services

## bench: crawl benchmarks against peer tools on the corpus sites (not part of the tests)
bench: bench-crawl bench-catalogue bench-distributed bench-served bench-checks

BENCH_ARGS ?= --rounds 3
bench-crawl: $(DEV_STAMP)
	$(BIN)/python bench/crawl.py $(BENCH_ARGS)

## bench-catalogue: the PostgreSQL manual with every check vs the skeleton's checks only
bench-catalogue: $(DEV_STAMP)
	$(BIN)/python bench/catalogue_cost.py $(BENCH_ARGS)

## bench-checks: HEAD checks of 2,000 resources over https, siteaudit's fetcher vs bare aiohttp
bench-checks: $(DEV_STAMP)
	$(BIN)/python bench/checks.py

clean:
	rm -rf $(VENV) .siteaudit .mypy_cache .ruff_cache .pytest_cache

## bench-served: the corpus sites served differently (codings, chunked, no keep-alive,
## latency, closed connections, HEAD bodies, rate limits, clean URLs, a sitemap) must be
## audited the same; BENCH_ARGS="--engine celery" audits them on real Celery workers
bench-served: $(DEV_STAMP)
	$(BIN)/python bench/served.py $(BENCH_ARGS)

## bench-distributed: the PostgreSQL manual through Celery vs the local engine; 10,000 pages' RSS
bench-distributed: $(DEV_STAMP)
	$(BIN)/python bench/distributed.py $(BENCH_ARGS)
