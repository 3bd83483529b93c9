# Chart targets, included by the root Makefile. Everything runs without a cluster.
TOOLS_BIN := .tools/bin
HELM := $(TOOLS_BIN)/helm

.PHONY: tools chart-checks chart-test chart-pipeline chart-pytest manifests manifests-check chart-readme chart-readme-check

$(HELM) $(TOOLS_BIN)/checkov: deploy/tools/install-tools.sh
	bash deploy/tools/install-tools.sh

tools: ## install helm, kubectl and checkov into .tools/ (idempotent)
	bash deploy/tools/install-tools.sh

chart-pipeline: install tools
	$(PY) deploy/tools/chart_pipeline.py

chart-pytest: install tools
	$(VENV)/bin/pytest -q tests/chart

chart-checks: chart-pipeline manifests-check chart-readme-check
	@echo "chart-checks: every profile linted, rendered, validated and scanned; no drift"

chart-test: chart-checks chart-pytest ## lint, render, validate and scan every chart profile; policy tests

manifests: install tools ## regenerate deploy/k8s and components/ from the chart
	$(PY) deploy/tools/render_manifests.py

manifests-check: install tools ## fail when deploy/k8s or components/ differ from a fresh render
	$(PY) deploy/tools/render_manifests.py --check

chart-readme: install ## regenerate the chart README values table from the ## @param comments
	$(PY) deploy/tools/values_table.py

chart-readme-check: install
	$(PY) deploy/tools/values_table.py --check

# `make test` runs tests/chart with the rest of pytest, so it adds only the other checks.
EXTRA_TEST_TARGETS += chart-checks
PYTEST_DEPS += tools
