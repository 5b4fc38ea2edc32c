# Two commands matter: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test bench lint setup setup-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is installed first with its exact pin so that no other package drags in a CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e .
	touch $@

# The notebooks run on a kernel named `workbench` inside the venv, so a stale user kernel never wins.
$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name workbench --display-name "workbench" >/dev/null
	touch $@

setup: $(STAMP)
setup-dev: $(DEVSTAMP)

demo: $(STAMP)
	$(BIN)/workbench demo --out demo-out

# pytest exits 5 when it collects no test; that is not a failure of the code under test.
test: $(DEVSTAMP)
	$(BIN)/python -m pytest; code=$$?; [ $$code -eq 0 ] || [ $$code -eq 5 ]


# Speed against the named anchors, merged into benchmarks/results.json (quoted in the README).
bench: $(DEVSTAMP)
	$(BIN)/python -m benchmarks

lint: $(DEVSTAMP)
	$(BIN)/ruff check workbench tests
	$(BIN)/mypy workbench

clean:
	rm -rf $(VENV) demo-out .pytest_cache
