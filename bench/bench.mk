# Benchmarks; included by the root Makefile. Never part of `make test`.
.PHONY: bench-gateway
bench: bench-gateway

bench-gateway: install ## gateway proxy vs nginx vs direct on one server core (apt-installs wrk, nginx)
	bench/gateway/run.sh
