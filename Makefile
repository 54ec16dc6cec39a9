# genenets: two commands. `make reproduce` regenerates every figure and table; `make test` runs the tests.
# Both create .venv with the locked dependencies first if needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= quick
JOBS ?= 2  # notebooks of different papers in parallel; one paper's notebooks run in order
# offline: serve the registry from the shared mirror when it is beside the checkout
MIRROR := $(firstword $(wildcard ../shared/data))
export GENENETS_DATA_MIRROR ?= $(if $(MIRROR),$(abspath $(MIRROR)),)

.PHONY: setup reproduce test lock benchmark clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: its CPU wheel; a looser requirement would pull the CUDA build
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

setup: $(BIN)/.installed

reproduce: setup
	$(BIN)/genenets run --profile $(PROFILE) --jobs $(JOBS)
	$(BIN)/genenets run --profile $(PROFILE) --jobs $(JOBS) --grid notebooks/real_data.yaml

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

benchmark: setup
	$(BIN)/python -m benchmarks

# Regenerate requirements.lock from the environment (after changing pyproject dependencies).
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable | sed -e 's/^torch==2.13.0+cpu$$/torch==2.13.0/' > requirements.lock
	$(BIN)/python dev/sync_environment.py

clean:
	rm -rf $(VENV) .pytest_cache
