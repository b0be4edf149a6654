# The two commands: `make run` starts the whole clinic, `make test` runs every test.
# The first Python 3.11+ that really runs (pyenv may list shims that do not).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
            $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
            && { command -v $$p; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# pytest-xdist workers for `make test` and `make test-fast` (WORKERS=0: one process).
# loadgroup as tests/support/scheduling.py does it: a module whose tests share a
# module-scoped fixture (a whole clinic) stays on one worker, every other test goes to
# whichever worker is free, the long ones first.
# Four on two cores: the tests wait (for servers, browsers, clinics starting) as much as
# they compute; 11.4 min here against 17 on two.
WORKERS ?= 4
# `make test-fast` waits more than it works (SQLite files, the file bus, fake servers): one
# worker more than the cores keeps both busy (56 s with 3, 66 s with 2, 61 s with 4 here).
FAST_WORKERS ?= 3
XDIST  := -n $(WORKERS) --dist loadgroup
# Python keeps the project's compiled modules (and pytest its rewritten tests) in __pycache__,
# ignored by git, even where the machine sets PYTHONDONTWRITEBYTECODE (this one does): without
# them each xdist worker spent 8 of its 15 CPU-s collecting on compiling the same files again,
# and every server process a test starts compiles the services anew.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-deep test-parallel test-fast install lint typecheck bench soak mutate clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "clinic needs Python 3.11 or newer on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	@# pip compiles what it installs on one core (20 of its 45 CPU-s); compileall uses both,
	@# and compiles the project too (else each of the first processes to import a module
	@# compiles it again: four test workers start at once; pytest compiles the test modules
	@# themselves into files of its own). Only a saving: a file it cannot compile is
	@# compiled, or refused, when imported.
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib services tools bench tests >/dev/null || true
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/clinic-run

# Lint and types first: a change that breaks either fails before the long suite runs.
# Then every test on $(WORKERS) xdist workers, each with its own databases, RabbitMQ vhost,
# ports and log file (and, for the tests that stop the broker, a RabbitMQ node of its own).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy services bench tools
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# `make test` with the fuzzers and the state machine exploring three times as far (for a
# release, or a change to what they explore: tests/support/depth.py).
test-deep:
	CLINIC_TEST_DEPTH=deep $(MAKE) test

# The name `make test` had while it was not yet what CI ran.
test-parallel: test

# The pure and in-process tests only (no server, browser or slow test): a quick loop, test by
# test over the workers (no module-scoped clinic here to keep together).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(FAST_WORKERS) -m "not slow and not postgres and not rabbitmq and not browser" $(PYTEST_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk (apt-get install wrk)"; exit 1; }
	@command -v pgbench >/dev/null || { echo "make bench needs pgbench (apt-get install postgresql-client)"; exit 1; }
	$(BIN)/python -m bench.bus_throughput
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.push
	$(BIN)/python -m bench.observe

# The fault soak (docs/operations.md#soak): the four services in production mode on this
# machine's PostgreSQL and RabbitMQ (databases, vhost and ports of its own, removed at the
# end) under a mixed load, with faults of every kind at random; prints one `soak:` line and
# fails on anything lost, doubled, oversold or stuck. SOAK_MINUTES long (5).
SOAK_MINUTES ?= 5
soak: $(STAMP)
	SOAK_MINUTES=$(SOAK_MINUTES) $(BIN)/python -m tools.soak

# Mutation testing of services/*/domain/ against the fast tests: the score per module, exit 1
# below 90 % (docs/mutation.md). Not part of `make test`: 4,628 mutants take an hour and a half or more on
# two cores. MUTATE_ARGS=--reuse keeps the last results in mutants/.
mutate: $(STAMP)
	$(BIN)/python -m tools.mutation $(MUTATE_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy services bench tools

clean:
	rm -rf var .pytest_cache .ruff_cache
