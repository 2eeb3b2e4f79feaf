# logpipe developer commands. `make demo` and `make test` install everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION ?= 0.13.9
# Use uv from PATH when present; otherwise install it from the package index into .uv-bootstrap/.
UV ?= $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.uv-bootstrap/bin/uv)
VENV := .venv
LOGPIPE := $(VENV)/bin/logpipe
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help setup demo test lint typecheck pytest template-check bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(CURDIR)/.uv-bootstrap/bin/uv:
	python3 -m venv .uv-bootstrap
	.uv-bootstrap/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: $(VENV)/.synced  ## install the project environment into .venv (uv, locked)

demo: setup  ## run the main job: the processor on the sample events in events/
	@for f in events/firehose-*.json; do echo "== $$f"; $(LOGPIPE) invoke processor "$$f" --decode 2>/dev/null || exit 1; done

lint: setup  ## ruff lint + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup  ## mypy (strict) over the library, the CLI and the handlers
	$(VENV)/bin/mypy

pytest: setup  ## the test suite
	$(VENV)/bin/pytest -q

test: lint typecheck pytest  ## everything CI runs

clean:  ## remove build and test artefacts
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis

uv.lock: pyproject.toml | $(UV)
	$(UV) lock
