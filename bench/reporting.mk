# Reporting benchmark: 1M journal lines + 1M stock movements on PostgreSQL (see bench/reporting).
.PHONY: bench-reporting
bench-reporting: install ## reports as of random dates over 1M+1M rows, with and without cache
	$(PY) -m bench.reporting
