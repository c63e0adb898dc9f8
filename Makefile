# labelaudit: `make demo` and `make test` set everything up from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every Python package, pinned: what `make demo`, `make test` and CI install. `make lock`
# re-resolves it from pyproject.toml on purpose (then run `make test` and commit both).
LOCK := requirements.lock
PIP_VERSION := 26.3
SETUPTOOLS_VERSION := 84.2.1
DEMO_DB := demo/labelaudit.duckdb
DEMO_OUT := demo/reports

.PHONY: demo test setup system-deps sample clean bench lock accuracy lint bench-images

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION) setuptools==$(SETUPTOOLS_VERSION)

# The lock first, then labelaudit itself with no dependency resolution: a fresh machine gets
# exactly the versions the tests last passed with, whatever the registry has released since.
# pip and setuptools are pinned again here, not only when the venv is made: the editable install
# builds with the venv's setuptools, and an older venv's (65.x) fails with "invalid command 'bdist_wheel'".
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet pip==$(PIP_VERSION) setuptools==$(SETUPTOOLS_VERSION)
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# Re-resolve every dependency from pyproject.toml in a scratch venv and write the lock.
lock:
	rm -rf .lock-venv
	$(PY) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet pip==$(PIP_VERSION) setuptools==$(SETUPTOOLS_VERSION)
	.lock-venv/bin/pip install --quiet '.[dev]'
	{ echo "# labelaudit's pinned dependencies: written by 'make lock' from pyproject.toml; do not edit."; \
	  .lock-venv/bin/pip freeze --exclude labelaudit | LC_ALL=C sort -f; } > $(LOCK)
	rm -rf .lock-venv
	@echo "wrote $(LOCK): run 'make test', then commit pyproject.toml and $(LOCK) together"

setup: $(STAMP) system-deps

# Debian packages (Tesseract; with --test, what the tests need), installed where missing.
system-deps:
	@bash scripts/system-deps.sh

demo: setup
	rm -rf demo && mkdir -p demo
	LABELAUDIT_HOME=$(CURDIR)/.labelaudit $(BIN)/labelaudit audit examples/catalog --db $(DEMO_DB) --out $(DEMO_OUT)
	@echo
	@echo "Try:  $(BIN)/labelaudit sql \"SELECT brand, product_name, rule_id FROM flagged_products\" --db $(DEMO_DB)"

test: setup
	@bash scripts/system-deps.sh --test
	$(BIN)/python -m pytest -q

# ruff and mypy as pyproject.toml configures them, over the whole tree (LINT_PATHS="flows rules"
# for part of it), then mypy --strict on the shared contracts and the public API, each file
# checked as given (--follow-imports=silent: their imports are checked by the first run).
LINT_PATHS ?=

lint: $(STAMP)
	$(BIN)/ruff check $(or $(LINT_PATHS),.)
	$(BIN)/mypy $(if $(LINT_PATHS),--follow-imports=silent) $(LINT_PATHS)
	$(BIN)/mypy --strict --follow-imports=silent --no-warn-unused-configs labelaudit/__init__.py labelaudit/api.py \
		labelaudit/terminal.py labelaudit/contracts

# Regenerate the bundled sample catalog from the project's own label generator.
sample: setup
	$(BIN)/python -m tests.labelgen.sample examples/catalog --clean

# Throughput against a bare pdfplumber pass, one table (benchmarks/bench.py --help). Quick by default;
# the full measurement: make bench BENCH_ARGS="--n 2000 --workers 2 --server"
BENCH_ARGS ?= --n 20 --workers 2

bench: setup
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Extraction accuracy on labels drawn from the generator's layout space, and on the frozen
# held-out set (tests/heldout), one table each, weakest axis values first (benchmarks/ACCURACY.md).
# Needs LibreOffice and Ghostscript (two of the label producers): the test system packages.
ACCURACY_ARGS ?= --n 1000 --seed 17

accuracy: setup
	@bash scripts/system-deps.sh --test
	$(BIN)/python benchmarks/accuracy.py $(ACCURACY_ARGS)

# Label images (issue 21): 40 labels as PNG 150 dpi and JPEG 200 dpi q70, 40 photo-like images,
# audited and scored; exits 1 below the issue's targets. ~12 min on 2 cores (OCR, 1-5 s an image).
#   make bench-images IMAGES_ARGS="--n 10 --photos 10"
bench-images: setup
	@bash scripts/system-deps.sh --test
	$(BIN)/python benchmarks/images.py --check $(IMAGES_ARGS)

clean:
	rm -rf $(VENV) demo .pytest_cache
