# ebpm: two commands on a fresh machine with Python 3.11+:
#   make demo   set up .venv, install, run pipelines/demo.yaml, japan_mergers.yaml and
#               japan_kpi.yaml (offline), print where the report site is
#   make test   set up .venv, install, run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ebpm-installed
# One BLAS thread per process: kernels and workers run side by side on few cores.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: help venv demo test lab bench lint clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "ebpm needs Python 3.11 or newer; run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes; a second `make demo` reuses the venv.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install ebpm with its dependencies

demo: $(STAMP)  ## run the demo pipelines on the embedded data and print where the site is
	$(BIN)/ebpm run pipelines/demo.yaml pipelines/japan_mergers.yaml pipelines/japan_kpi.yaml

test: $(STAMP)  ## run the whole test suite (end-to-end tests included)
	$(BIN)/python -m pytest

lab: $(STAMP)  ## open JupyterLab with the ebpm kernel
	$(BIN)/python -m ipykernel install --sys-prefix --name ebpm --display-name "Python (ebpm)"
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)  ## run the benchmarks and write bench/RESULTS.md
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[test,bench]'
	$(BIN)/python bench/run.py

lint: $(STAMP)  ## ruff, then mypy (its settings are in pyproject.toml)
	$(BIN)/ruff check src tests bench notebooks
	$(BIN)/ruff format --check src tests bench notebooks
	$(BIN)/mypy

clean:  ## remove the venv, runs and the site
	rm -rf $(VENV) runs site
