# Set-up and the two entry points of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

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

# The main job, on the table naspredict trained itself and ships (NB201 on Fashion-MNIST;
# no external file): what it holds, trained predictors against zero-cost proxies over training
# sizes, a saved predictor used on two cells, a simulated search.
DEMO := demo-output
TABLE := nb201_fashion-mnist
BEST := "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
WORST := "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

demo: setup
	$(BIN)/naspredict spaces
	$(BIN)/naspredict data info $(TABLE)
	$(BIN)/naspredict compare $(TABLE) --target valid_acc_2ep --train-sizes 20,50,100,200 \
		--seeds 3 --json $(DEMO)/compare.json
	$(BIN)/naspredict fit $(TABLE) --target valid_acc_2ep --train-size 200 --out $(DEMO)/model
	$(BIN)/naspredict predict $(DEMO)/model $(BEST) $(WORST)
	$(BIN)/naspredict search $(TABLE) --query valid_acc_2ep --report test_acc_2ep \
		--strategies random,rea,npenas --budget 100 --seeds 4 --json $(DEMO)/search.json

test: setup
	$(BIN)/ruff check naspredict tests benchmarks
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(DEMO)
