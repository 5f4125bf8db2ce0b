# The two commands a newcomer needs: `make demo` and `make test`.
# Each first installs the system packages it needs (scripts/setup-system, list in
# scripts/system-packages.txt), then the Python environment, then runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint bench install clean system-demo system-test system-bench

system-demo system-test system-bench: system-%:
	@scripts/setup-system $*

$(STAMP): pyproject.toml | system-demo
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package-lock.json | system-test
	npm ci --no-audit --no-fund --silent  # axe-core and the Nu HTML checker (vnu-jar) for the tests (package-lock.json)
	touch $(NODE_STAMP)

install: $(STAMP)

demo: system-demo $(STAMP)
	$(BIN)/xxgk demo

# ruff (pyflakes, pycodestyle, bugbear, pyupgrade, simplify) and mypy --strict on pipeline/ and
# sources/; both configured in pyproject.toml, their versions pinned in the test extras.
lint: $(STAMP)
	$(BIN)/ruff check pipeline sources tests bench demo
	$(BIN)/mypy

test: system-test $(STAMP) $(NODE_STAMP) lint
	$(BIN)/python -m pytest

bench: system-bench $(STAMP)  # Node for the search benchmark (scripts/system-packages.txt)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules output .mypy_cache .ruff_cache
