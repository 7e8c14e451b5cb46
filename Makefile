# samestory: `make run` clusters the seed articles, `make test` runs the test suite.
# Both create (or refresh) the local virtualenv .venv from pyproject.toml when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed-dev
DATA ?= ../shared/data

.PHONY: run test test-fast fuzz install lint bench bench-report bench-desk bench-heldout train \
	train-background train-pair-model train-centring train-encoder \
	chromium notebook docs docs-cli clean

# pip compiles every installed file to bytecode on one core; --no-compile, then compileall on
# every core, installs the dev venv in 92 s where pip alone took 109 s (2 cores). Its errors
# are the ones pip ignores too (sources for newer Pythons among torch's tests).
COMPILE = $(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true

# What running needs (the [project] dependencies), with the pip the Python ships.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -e .
	$(COMPILE)
	touch $(RUNTIME)

# The test, lint, notebook and Dask tools with it (the dev extra), in one pip run: the runtime
# and then the extra took 135 s on a fresh checkout, against 92 s.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	$(COMPILE)
	touch $(RUNTIME) $(STAMP)

install: $(STAMP)

run: $(RUNTIME)
	$(BIN)/samestory cluster seeds/

# One process: on two pytest-xdist workers the whole suite's memory added up to 5.8 GB (each
# worker holds the models and its own OG2021 vectors), over the 4 GB CI allows.
test: $(STAMP)
	$(BIN)/python -m pytest -q

# pytest-xdist workers for test-fast: 2, the CI machine's cores (`-n auto` is the same there,
# but starts one per core elsewhere, each ~1.3 GB with the models: TEST_JOBS=4 if you have the
# memory). Whole files go to one worker, so a module's fixtures are built once.
TEST_JOBS ?= 2

# The quick loop: leaves out tests marked data, browser or slow (markers in pyproject.toml).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadfile \
		-m "not data and not browser and not slow"

# The property tests (marked fuzz) with the long Hypothesis profile; CI runs them quickly.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -m fuzz

# Jupyter on the exploration notebook (installs the 'notebook' extra first).
notebook: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebook]'
	$(BIN)/jupyter lab notebooks/explore.ipynb

# docs/explore.html: the notebook executed on the seeds, readable offline (plotly.js inline).
docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebook]'
	$(BIN)/python -m devtools.docs docs/explore.html

# docs/cli.md's reference: every command's --help, rewritten by cog (tests/test_docs.py checks it).
docs-cli: $(STAMP)
	$(BIN)/cog -r -I . docs/cli.md

# Debian's Chromium for the report's browser test (skipped without it, outside CI).
chromium:
	command -v chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# Benchmarks and training scripts run as modules from the repository root.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench --data $(DATA)

bench-report: $(STAMP) chromium
	$(BIN)/python -m benchmarks.report_bench --data $(DATA)

# The desk under load: 100,000 synthetic stored articles, 20 readers, an add every second.
bench-desk: $(STAMP)
	$(BIN)/python -m benchmarks.desk_load

# Held-out judging (issue 23, benchmarks/heldout.py): e5-small tuned per story fold without it
# (the adapters go to ADAPTERS), then every system scored on the folds it did not train on.
# Not part of `bench`: the fold adapters alone take 10 to 25 minutes on two cores.
ADAPTERS ?= $(HOME)/.cache/samestory/folds
bench-heldout: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m training.train_encoder --data $(DATA) --folds 3 --adapters $(ADAPTERS)
	$(BIN)/python -m benchmarks.heldout --data $(DATA) --adapters $(ADAPTERS)

# Retrain the models shipped in clustering/models, on the dev data only.
train: train-background train-pair-model train-centring

# clustering/models/background.npz (the pair models read it: retrain them after it)
train-background: $(STAMP)
	$(BIN)/python -m training.train_background --data $(DATA)

# clustering/models/pair-use.json and pair-use+e5.json (the cascade's second model)
train-pair-model: $(STAMP)
	$(BIN)/python -m training.train_pair_model --data $(DATA)
	$(BIN)/python -m training.train_pair_model --data $(DATA) --second e5
	$(BIN)/python -m training.train_pair_model --data $(DATA) --second e5 --bodies
	$(BIN)/python -m training.train_pair_model --data $(DATA) --second e5-story
	$(BIN)/python -m training.train_pair_model --data $(DATA) --second e5-story --bodies

# clustering/models/e5-centring.npz
train-centring: $(STAMP)
	$(BIN)/python -m training.train_centring --data $(DATA)

# embeddings/e5small/story-lora.npz: e5-small tuned for "same story" (LoRA, installs the 'train'
# extra). `python -m training.train_encoder --folds 3` prints the held-out table instead.
train-encoder: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m training.train_encoder --data $(DATA)
