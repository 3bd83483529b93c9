# erp-system — the two commands a newcomer needs are `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
ERP := $(VENV)/bin/erp
# Targets that `make test` runs after pytest, and what pytest needs first (the included
# makefiles add themselves here).
EXTRA_TEST_TARGETS ?= test-compiled
PYTEST_DEPS ?= browser
.DEFAULT_GOAL := help

-include deploy/chart.mk
-include bench/bench.mk
-include bench/reporting.mk
-include bench/events.mk
-include bench/services.mk
-include deploy/image.mk

.PHONY: help install run test lint typecheck pytest format bench browser compiled test-compiled lock

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Bytecode is compiled at install time: every `erp` process would otherwise compile its imports
# from source (about 3.4 s of CPU against 1.1 s) wherever PYTHONDONTWRITEBYTECODE is set, as
# in containers and on CI machines. A source edited later is recompiled in memory as usual.
# The versions are uv.lock's (`make lock` updates it); `--inexact` keeps uv itself in the venv.
UV_VERSION := 0.13.9
$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync -q --frozen --inexact --extra dev \
	  --compile-bytecode
	$(PY) -m compileall -q src
	touch $@

install: $(VENV)/.installed ## create .venv and install the project with dev tools

run: install ## run the whole system on this machine (embedded default) at http://127.0.0.1:8000
	$(ERP) up

browser: ## headless Chromium for the dashboard test (apt-get; skipped when present)
	bash tests/tools/install-chromium.sh

lint: install ## ruff
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install ## mypy
	$(VENV)/bin/mypy

# Two pytest processes side by side: the orchestration suites (pods as processes, podman, helm:
# mostly waiting on rollouts and probes) and the rest (mostly CPU), each with a temporary base
# of its own; `make test` runs its other checks after the orchestration suites, still beside the
# rest. What ran beside is printed after the rest's output.
PYTEST_APART ?= tests/contract tests/chart
define side_by_side
	@base=$$(mktemp -d /tmp/erp-pytest.XXXXXX); \
	{ $(VENV)/bin/pytest -p no:cacheprovider --basetemp=$$base/apart $(PYTEST_APART) \
	  && for t in $(1); do $(MAKE) --no-print-directory $$t || exit 1; done; } \
	  > $$base/apart.log 2>&1 & apart=$$!; \
	rest=0; $(VENV)/bin/pytest --basetemp=$$base/rest $(addprefix --ignore=,$(PYTEST_APART)) \
	  || rest=$$?; \
	apart_rc=0; wait $$apart || apart_rc=$$?; \
	echo "=== beside it: $(PYTEST_APART) $(1) ==="; cat $$base/apart.log; rm -rf $$base; \
	test $$rest -eq 0 && test $$apart_rc -eq 0
endef

pytest: install $(PYTEST_DEPS) ## the test suite (real PostgreSQL and Redis when reachable; required with CI=true)
	$(call side_by_side,)

test: lint typecheck install $(PYTEST_DEPS) ## everything CI runs: lint, types, the suite, the compiled proxy, chart checks, containers
	$(call side_by_side,$(EXTRA_TEST_TARGETS))

# The wheel as the container image builds it: the gateway's proxy engine compiled with mypyc
# (pyproject.toml), unpacked where PYTHONPATH can put it in front of the editable install. It is
# built from the sdist, not the checkout: the compiler leaves its modules beside the sources,
# where the editable install would import them in place of the edited code.
COMPILED := build/compiled
compiled: install ## build the wheel with the compiled proxy engine into build/compiled (needs gcc)
	rm -rf build/wheel $(COMPILED)
	HATCH_BUILD_HOOK_ENABLE_MYPYC=true $(VENV)/bin/uv build -q -o build/wheel \
	  --build-constraint requirements/build-constraints.txt .
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps --compile-bytecode \
	  --target $(COMPILED) build/wheel/*.whl
	PYTHONPATH=$(COMPILED) $(PY) -c 'import sys, erp.gateway.proxy as p; \
	  sys.exit(None if p.compiled() else "the proxy engine in $(COMPILED) is not compiled")'

test-compiled: compiled ## the gateway's tests again, against the compiled proxy engine
	PYTHONPATH=$(COMPILED) $(VENV)/bin/pytest -q -p no:cacheprovider tests/gateway

lock: install ## re-resolve uv.lock and the build tools' pins to the newest allowed versions
	$(VENV)/bin/uv lock --upgrade
	sed -i "s/^mypy==.*/mypy==$$($(VENV)/bin/uv tree --frozen --depth 0 --package mypy \
	  | sed -n 's/^mypy v//p')/" requirements/build.in
	$(VENV)/bin/uv pip compile -q --upgrade --python-version 3.11 requirements/build.in \
	  -o requirements/build-constraints.txt

format: install ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench
