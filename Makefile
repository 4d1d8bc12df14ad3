# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
# Installs come from uv.lock with uv (every version pinned, with hashes). When uv is not on
# PATH, pip bootstraps it into a user location (a static binary; works on distributions
# whose Python refuses `pip install --user`).
PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
UV_HOME  ?= $(HOME)/.local/share/delegate-uv
ifndef UV
UV       := $(or $(shell command -v uv 2>/dev/null),$(UV_HOME)/bin/uv)
endif

export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test check install lint typecheck bench serve clean

$(UV):
	$(PYTHON) -m pip install -q --target $(UV_HOME) uv

$(BIN)/delegate: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	@touch $@

install: $(BIN)/delegate

demo: install          ## the main job on the embedded defaults (SQLite, offline model, sandboxes)
	$(BIN)/delegate demo

# The second pass: every test of the store, graphs, tools and API again, on PostgreSQL.
POSTGRES_TESTS := tests/unit/store tests/unit/graphs tests/unit/tools tests/unit/app tests/integration

# With two or more cores the PostgreSQL pass runs beside the SQLite pass (its output is shown
# when it ends); TEST_PARALLEL=0 runs them one after the other.
TEST_PARALLEL ?= $(shell [ "$$(nproc 2>/dev/null || echo 1)" -ge 2 ] && echo 1 || echo 0)
PG_PASS := DELEGATE_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider $(POSTGRES_TESTS)

test: install          ## the whole test suite (SQLite) and its database-facing tests on PostgreSQL
ifeq ($(TEST_PARALLEL),1)
	@log=$$(mktemp); $(PG_PASS) >"$$log" 2>&1 & pg=$$!; \
	trap 'kill $$pg 2>/dev/null; rm -f "$$log"' EXIT; \
	echo "== SQLite: the whole suite (the PostgreSQL pass runs beside it)"; \
	$(BIN)/python -m pytest -q; sqlite=$$?; \
	echo "== PostgreSQL: $(POSTGRES_TESTS)"; \
	wait $$pg; postgres=$$?; cat "$$log"; \
	[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]
else
	$(BIN)/python -m pytest -q
	$(PG_PASS)
endif

check: lint typecheck test   ## what CI runs: lint, format check, types, the whole suite

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

bench: install         ## every speed goal, each beside a baseline measured in the same run
	@status=0; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || status=1; done; \
	exit $$status

serve: install
	$(BIN)/delegate serve

clean:
	rm -rf $(VENV) delegate.db delegate.checkpoints.db .langgraph_api
