# Event backbone benchmark (included from the root Makefile or bench/bench.mk).
.PHONY: bench-events

bench-events: install ## events: commit -> effect latency and relay throughput on Redis Streams
	PYTHONPATH=. $(VENV)/bin/python -m bench.events.run
