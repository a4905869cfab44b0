# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fuzz bench bench-scale clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m service serve --demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check service workers config tests bench
	$(BIN)/mypy

# schemathesis over the served OpenAPI document; see tests/contract/fuzz_api.py.
fuzz: $(STAMP)
	$(BIN)/python -m tests.contract.fuzz_api

bench: $(STAMP)
	$(BIN)/python -m bench

# A million devices, ten million logged decisions: minutes, not part of `make bench`.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) var
