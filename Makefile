# Every target installs what it needs first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= $(if $(LMJAX_DATA_DIR),$(LMJAX_DATA_DIR),../shared/data)
DEMO_DIR ?= runs/peoples_daily_demo

.PHONY: install demo test lint bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of PyTorch, pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m lmjax.main --config=configs/peoples_daily_lstm.py:demo --workdir=$(DEMO_DIR)
	$(PY) -m lmjax.main --config=configs/peoples_daily_lstm.py:demo --workdir=$(DEMO_DIR) \
	  --mode=generate --config.generate.num_samples=3

test: install
	$(PY) -m pytest -q tests

lint: install
	$(VENV)/bin/ruff check lmjax configs experiments tests

bench: install
	LMJAX_DATA_DIR=$(DATA_DIR) $(PY) experiments/bench_lstm.py --variants=small,medium
	LMJAX_DATA_DIR=$(DATA_DIR) $(PY) experiments/bench_input.py

clean:
	rm -rf $(VENV) runs .pytest_cache
