# logpipe developer commands. `make demo` and `make test` install everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION ?= 0.13.9
# Use uv from PATH when present; otherwise install it from the package index into .uv-bootstrap/.
UV ?= $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.uv-bootstrap/bin/uv)
VENV := .venv
LOGPIPE := $(VENV)/bin/logpipe
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help setup demo test lint typecheck pytest template-check sam-tool build bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(CURDIR)/.uv-bootstrap/bin/uv:
	python3 -m venv .uv-bootstrap
	.uv-bootstrap/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# --locked: the lock file is the truth; a pyproject.toml edit without `uv lock` fails here instead of re-resolving.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

setup: $(VENV)/.synced  ## install the project environment into .venv (uv, locked)

demo: setup  ## the main job: a multi-service incident through the local pipeline, alerts, Slack, trace origin
	$(LOGPIPE) demo

lint: setup  ## ruff lint + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup  ## mypy (strict) over the library, the CLI and the handlers
	$(VENV)/bin/mypy

pytest: setup  ## the test suite
	$(VENV)/bin/pytest -q

# --- deployable stack (template.yaml) -------------------------------------------------------------------------
# The AWS SAM CLI lives in its own uv tool environment (it pins boto3/click, so never in .venv); a sam already on
# PATH is used as it is.
SAM_VERSION ?= 1.170.0
SAM = "$$(command -v sam 2>/dev/null || echo "$$($(UV) tool dir --bin)/sam")"
export SAM_CLI_TELEMETRY ?= 0

sam-tool: | $(UV)  ## install the AWS SAM CLI (uv tool) when it is missing
	@command -v sam >/dev/null 2>&1 || test -x "$$($(UV) tool dir --bin)/sam" || $(UV) tool install "aws-sam-cli==$(SAM_VERSION)"

template-check: setup sam-tool  ## cfn-lint + sam validate --lint on template.yaml (offline)
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

# sam build checks the runtime's interpreter: the first working python3.13 among PATH, uv's and pyenv's.
# (A pyenv shim on PATH may exist yet fail, hence the test run of each candidate.)
PYTHON313 = $$(for p in "$$(command -v python3.13 2>/dev/null)" "$$($(UV) python find 3.13 2>/dev/null)" \
	$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 2>/dev/null); do \
	[ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)

build: sam-tool  ## sam build: layer (python3.13 bytecode, arm64 wheels) + functions into .aws-sam/ (no Docker)
	@py="$(PYTHON313)"; \
	if [ -z "$$py" ]; then echo "no python3.13 on PATH, in uv or pyenv: trying 'uv python install 3.13'" >&2; \
		$(UV) python install 3.13 >&2 && py="$(PYTHON313)"; fi; \
	if [ -z "$$py" ]; then echo "sam build needs python3.13 (on PATH, from 'uv python', or pyenv); none found" >&2; exit 1; fi; \
	echo "python3.13: $$py"; \
	PATH="$$(dirname "$$py"):$$PATH" $(SAM) build

test: lint typecheck template-check build pytest  ## everything CI runs (sam build included: the stack must package)

bench: setup  ## processor vs no-processing ceiling, cold start, memory, --pure (BENCH_ARGS="--json FILE" to save)
	$(LOGPIPE) bench --pure $(BENCH_ARGS)

config-snapshot: setup  ## after editing pipeline/parsers/masking.yaml: refresh their JSON snapshots (no PyYAML at cold start)
	$(VENV)/bin/python -m logpipe.configfile write

bench-ci: setup  ## short informational benchmark for CI: prints the ratio, never fails on timing
	$(LOGPIPE) bench --records 5000 --passes 1 --coldstart-runs 3 --no-memory --no-stages

clean:  ## remove build and test artefacts
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
