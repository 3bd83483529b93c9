"""Services benchmark: real `erp serve` processes against pgbench (or sqlite3) doing the same
transaction in the same run. `python -m bench.services --help`; see bench/README.md."""
