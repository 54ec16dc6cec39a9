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

.PHONY: setup reproduce test lock benchmark clean verify robustness book lab

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

# Re-execute the committed executed notebooks under figures/ with nbval and compare: figures/VERIFY.md
verify: setup
	$(BIN)/python -m genenets.verify $(NAMES)

# Every claim re-decided over seeds x training budgets (notebooks/robustness.yaml): figures/robustness/
# (`make robustness NAMES=07` runs one notebook's entries; the collector always reads every run present)
robustness: setup
	-$(BIN)/genenets run $(NAMES) --jobs $(JOBS) --grid notebooks/robustness.yaml --output figures/robustness/runs
	$(BIN)/python -m genenets.robustness

benchmark: setup
	$(BIN)/python -m benchmarks

# The book: static HTML of the executed notebooks in figures/ and the claims ledger (never re-executed)
book: setup
	$(BIN)/python -m genenets.book

# JupyterLab on the notebooks folder with the project's kernel (the venv's python3 before any other)
LAB_ARGS ?=
lab: setup
	cd notebooks && JUPYTER_PREFER_ENV_PATH=1 ../$(BIN)/jupyter lab --MappingKernelManager.default_kernel_name=python3 $(LAB_ARGS)

# Regenerate requirements.lock from the environment (after changing pyproject dependencies).
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable | sed -e 's/^torch==2.13.0+cpu$$/torch==2.13.0/' > requirements.lock
	$(BIN)/python dev/sync_environment.py

clean:
	rm -rf $(VENV) .pytest_cache
