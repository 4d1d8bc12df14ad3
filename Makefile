# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install lint typecheck bench serve clean

$(BIN)/delegate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/delegate

demo: install          ## the main job on the embedded defaults (SQLite, offline model, sandboxes)
	$(BIN)/delegate demo

test: install          ## the whole test suite
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/graph_overhead.py
	$(BIN)/python benchmarks/api_latency.py

serve: install
	$(BIN)/delegate serve

clean:
	rm -rf $(VENV) delegate.db delegate.checkpoints.db .langgraph_api
