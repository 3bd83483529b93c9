# Chart targets, included by the root Makefile. Everything runs without a cluster.
TOOLS_BIN := .tools/bin
HELM := $(TOOLS_BIN)/helm

.PHONY: tools chart-test chart-pipeline chart-pytest manifests manifests-check chart-readme chart-readme-check

$(HELM) $(TOOLS_BIN)/checkov: deploy/tools/install-tools.sh
	bash deploy/tools/install-tools.sh

tools: ## install helm, kubectl and checkov into .tools/ (idempotent)
	bash deploy/tools/install-tools.sh

chart-pipeline: install tools
	$(PY) deploy/tools/chart_pipeline.py

chart-pytest: install tools
	$(VENV)/bin/pytest -q tests/chart

chart-test: chart-pipeline chart-pytest manifests-check chart-readme-check ## lint, render, validate and scan every chart profile; policy tests
	@echo "chart-test: all chart checks passed"

manifests: install tools ## regenerate deploy/k8s and components/ from the chart
	$(PY) deploy/tools/render_manifests.py

manifests-check: install tools ## fail when deploy/k8s or components/ differ from a fresh render
	$(PY) deploy/tools/render_manifests.py --check

chart-readme: install ## regenerate the chart README values table from the ## @param comments
	$(PY) deploy/tools/values_table.py

chart-readme-check: install
	$(PY) deploy/tools/values_table.py --check

EXTRA_TEST_TARGETS += chart-test
