# matequity: two commands on a fresh machine.
#   make demo   creates .venv from uv.lock and runs the whole pipeline on a synthetic England
#   make test   the same environment, then ruff and the whole test suite
PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test lint bench env clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# this machine sets PYTHONDONTWRITEBYTECODE: byte-compile matequity's own modules
# too (only changed files are rewritten), so that no command pays to compile them
env: $(VENV)/.synced
	@$(VENV)/bin/python -m compileall -q -j 0 src

demo: env
	$(VENV)/bin/matequity demo --out matequity-demo

# the suite on every core (pytest-xdist), with the coverage floor of pyproject.toml
test: env
	scripts/install-browser.sh
	scripts/install-axe.sh
	scripts/install-r.sh
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/python -m pytest -q -n auto --dist loadfile --cov --cov-report=term --durations=20

lint: env
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: env
	cd benchmarks && ../$(VENV)/bin/python bench_engine.py
	cd benchmarks && ../$(VENV)/bin/python bench_signals.py
	cd benchmarks && ../$(VENV)/bin/python bench_service.py
	cd benchmarks && ../$(VENV)/bin/python bench_dashboard.py

clean:
	rm -rf $(VENV) $(TOOLS) matequity-demo .pytest_cache .ruff_cache
