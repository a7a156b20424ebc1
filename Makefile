# Set-up and the two entry points of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
SHARED ?= ../shared/benchmarks

.PHONY: setup demo test lint clean

setup: $(VENV)/.installed

# torch first: the pinned CPU build from this machine's disk, so that the project's
# torch requirement does not pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	test -d /usr/share/datasets/fashion-mnist || (apt-get update && apt-get install -y dataset-fashion-mnist)
	touch $@

demo: setup
	$(BIN)/naspredict spaces
	$(BIN)/naspredict data info $(SHARED)/nb201/nb201_cifar10-valid.csv
	$(BIN)/naspredict data info $(SHARED)/nb201/NATS-tss-v1_0-3ffb9-simple --dataset cifar10-valid

test: setup
	$(BIN)/ruff check naspredict tests benchmarks
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
