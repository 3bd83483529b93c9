# Services benchmark (included from the root Makefile): each service under load against pgbench
# or sqlite3 doing the same transaction in the same run, the invoice chain, start-up and memory.
# wrk comes from apt-get and py-spy from PyPI when missing (a row falls back to the harness's
# own client, a profile to "py-spy not installed", where they cannot be had).
.PHONY: bench-services
BENCH_SERVICES_ARGS ?=

bench-services: install ## services vs pgbench / sqlite3, invoice chain, start-up (bench/results/services.md)
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq wrk; } \
	  || echo "wrk not installed: the harness's asyncio client makes the load"
	@test -x $(VENV)/bin/py-spy || $(VENV)/bin/pip install -q --disable-pip-version-check py-spy \
	  || echo "py-spy not installed: no profiles"
	PYTHONPATH=. $(PY) -m bench.services $(BENCH_SERVICES_ARGS)
