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

# The main job on the real NB201 table: what it holds, predictors fitted on 78 and 781 of its
# cells and scored on the rest, a saved predictor used on two cells, a simulated search.
DEMO := demo-output
T201 := $(SHARED)/nb201/nb201_cifar10-valid.csv
BEST := "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
WORST := "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

demo: setup
	$(BIN)/naspredict spaces
	$(BIN)/naspredict data info $(T201)
	$(BIN)/naspredict evaluate $(T201) --target valid_acc_200ep --predictors xgb@onehot,xgb,zc:synflow \
		--proxy-scores $(SHARED)/nb201/nb201_zero_cost_cifar10.csv --train-sizes 78,781 --seeds 2 \
		--json $(DEMO)/evaluate.json
	$(BIN)/naspredict fit $(T201) --target valid_acc_200ep --predictor xgb --train-size 200 --out $(DEMO)/model
	$(BIN)/naspredict predict $(DEMO)/model $(BEST) $(WORST)
	$(BIN)/naspredict search $(T201) --query valid_acc_200ep --report test_acc_200ep \
		--strategies random,rea,npenas --budget 150 --seeds 4 --json $(DEMO)/search.json

test: setup
	$(BIN)/ruff check naspredict tests benchmarks
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(DEMO)
