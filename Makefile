# `make demo` and `make test` work on a fresh clone: they create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test` (the CI machine's two cores): `make test TEST_WORKERS=4` on a larger one.
TEST_WORKERS ?= 2
# The hub test's proxy, from npm (deploy/jupyterhub/package-lock.json), when this machine has npm.
PROXY := $(if $(shell command -v npm),deploy/jupyterhub/node_modules/.bin/configurable-http-proxy)
# The accessibility engine the browser tests inject into JupyterLab, from npm (tests/axe/package-lock.json).
AXE := $(if $(shell command -v npm),tests/axe/node_modules/axe-core/axe.min.js)

.PHONY: demo test build check lint clean bench

GUARD_CONFIG := etc/jupyter/jupyter_server_config.d/aplus-professionalism.json
LAB_DEFAULTS := share/jupyter/lab/settings/overrides.d/aplus-professionalism.json

$(STAMP): pyproject.toml deploy/jupyter_server_config.d/aplus-professionalism.json deploy/jupyter_lab_settings/aplus-professionalism.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# an editable install skips pyproject's data-files: enable the formgrader guard and the lab defaults as a wheel would
	install -D -m 644 deploy/jupyter_server_config.d/aplus-professionalism.json $(VENV)/$(GUARD_CONFIG)
	install -D -m 644 deploy/jupyter_lab_settings/aplus-professionalism.json $(VENV)/$(LAB_DEFAULTS)
	touch $(STAMP)

$(PROXY): deploy/jupyterhub/package-lock.json
	npm ci --prefix deploy/jupyterhub --no-audit --no-fund --loglevel=error
	touch $(PROXY)

$(AXE): tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error
	touch $(AXE)

demo: $(STAMP)  ## build the course and run a simulated class through nbgrader
	$(VENV)/bin/course demo

# Source and release notebooks are run once, by test_release (which checks
# more than nbval would: only unfinished answers raise); the instructor's notebooks/ run under nbval.
test: $(STAMP) $(PROXY) $(AXE)  ## lint, unit tests, notebooks (nbval), end-to-end nbgrader, JupyterHub and PostgreSQL runs, accessibility (axe-core)
	$(VENV)/bin/ruff check --output-format=concise course tests benchmarks deploy
	$(PY) -m pytest tests --nbval-lax --nbval-current-env notebooks -n $(TEST_WORKERS) --durations=15

build: $(STAMP)  ## regenerate release/ from source/ (commit the result)
	$(VENV)/bin/course build

check: $(STAMP)  ## validate scenarios and answer keys
	$(VENV)/bin/course check

bench: $(STAMP)  ## benchmarks: grading throughput, the sandbox's cost, the task engine, notebook and import costs, the look-alike check, written-answer scoring (minutes; not in make test)
	$(PY) benchmarks/grading.py
	$(PY) benchmarks/notebooks.py
	$(PY) benchmarks/sandbox.py
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/similar.py
	$(PY) benchmarks/rubric.py

clean:
	rm -rf .demo build dist *.egg-info deploy/jupyterhub/node_modules
