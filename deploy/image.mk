# Container image targets, included by the root Makefile: build the image from the Dockerfile
# with podman, and run the contract tests against it in containers. No Docker engine needed.
#
#   make image                     python:slim from a registry (the Dockerfile's default base)
#   make image BASE=debian         no registry: a Debian base made by mmdebstrap (cached)
#   make image IMAGE=reg/erp:1.2   another tag
#   make test-containers           CI=true or INSTALL_PODMAN=1 installs podman first
IMAGE ?= erp-system:dev
BASE ?= registry
DEBIAN_BASE_IMAGE ?= erp-base:bookworm
# The Debian base has no Python headers; the compiled proxy engine needs them.
DEBIAN_BUILD_PACKAGES ?= gcc libc6-dev python3-dev
# The host's CA certificates, mounted read-only into every build step (not into the image):
# where HTTPS goes through a proxy with its own CA, pip in the build trusts only these.
BUILD_CA ?= /etc/ssl/certs
IMAGE_LOG ?= build/image.log
# Every build whose sources changed leaves the previous image and build stage untagged (about
# 1 GB); those older than this are removed after a build, newer ones stay as the layer cache.
IMAGE_PRUNE_AFTER ?= 24h
# What `make test-containers` runs in containers: two profiles and one release rehearsal.
CONTAINER_TEST_BASE ?= debian
CONTAINER_PROFILES ?= default production-ha
CONTAINER_REHEARSALS ?= test_rolling_update_of_inventory_under_load
CONTAINER_TESTS := \
  $(foreach p,$(CONTAINER_PROFILES),tests/contract/test_pod_specs.py::test_workloads_start_probe_and_stop_as_rendered[$(p)]) \
  $(foreach t,$(CONTAINER_REHEARSALS),tests/contract/test_rehearsals.py::$(t))

IMAGE_BUILD_ARGS := $(if $(filter debian,$(BASE)),--build-arg BASE_IMAGE=localhost/$(DEBIAN_BASE_IMAGE) \
  --build-arg 'BUILD_PACKAGES=$(DEBIAN_BUILD_PACKAGES)')
IMAGE_REVISION := $(shell git rev-parse --short HEAD 2>/dev/null)

.PHONY: image base-image podman-tools test-containers

podman-tools: ## install podman, buildah, runc, iptables, mmdebstrap (apt; root; idempotent)
	bash deploy/tools/install-podman.sh

base-image: ## the Debian base for BASE=debian, erp-base:bookworm (mmdebstrap; cached)
	@command -v podman >/dev/null || { echo "base-image: podman not found (make podman-tools)" >&2; exit 1; }
	bash deploy/tools/debian-base.sh $(DEBIAN_BASE_IMAGE)

image: $(if $(filter debian,$(BASE)),base-image) ## build the image erp-system:dev (IMAGE=) with podman; BASE=debian needs no registry
	@command -v podman >/dev/null || { echo "image: podman not found (make podman-tools installs it)" >&2; exit 1; }
	@case "$(BASE)" in registry|debian) ;; *) echo "image: BASE must be registry or debian, not '$(BASE)'" >&2; exit 1;; esac
	@mkdir -p $(dir $(IMAGE_LOG))
	@echo "image: building $(IMAGE) from Dockerfile (base: $(BASE)); full log in $(IMAGE_LOG)"
	@started=$$SECONDS; \
	if ! podman build --layers --pull=missing -f Dockerfile -t $(IMAGE) \
	    $(if $(wildcard $(BUILD_CA)),--volume $(BUILD_CA):$(BUILD_CA):ro) $(IMAGE_BUILD_ARGS) \
	    $(if $(IMAGE_REVISION),--label org.opencontainers.image.revision=$(IMAGE_REVISION)) \
	    . 2>&1 | tee $(IMAGE_LOG) | awk '/^(\[[0-9]+\/[0-9]+\] )?(STEP|COMMIT)/ { print substr($$0, 1, 120); fflush() }'; then \
	  tail -n 25 $(IMAGE_LOG) >&2; \
	  hint=; grep -qE 'pinging container registry|initializing source' $(IMAGE_LOG) && \
	    hint=": the base image could not be pulled (no registry reachable? BASE=debian)"; \
	  echo "image: podman build of $(IMAGE) failed$${hint:- (full log: $(IMAGE_LOG))}" >&2; exit 1; \
	fi; \
	podman run --rm --network none --read-only --user 10001:10001 --entrypoint python $(IMAGE) \
	  -c 'import sys, erp.gateway.proxy as p; sys.exit(not p.compiled())' \
	  || { echo "image: $(IMAGE) was built but its proxy engine is not compiled" >&2; exit 1; }; \
	echo "image: $(IMAGE) built in $$((SECONDS - started))s," \
	  "$$(podman image inspect --format '{{.Size}}' $(IMAGE) | numfmt --to=si)B, proxy engine compiled"; \
	podman image prune -f --filter until=$(IMAGE_PRUNE_AFTER) >/dev/null || true

test-containers: install tools ## the contract tests with every workload in a container of the built image
	@if [[ "$${CI:-}" == true || "$${INSTALL_PODMAN:-}" == 1 ]]; then \
	  bash deploy/tools/install-podman.sh; \
	elif ! command -v podman >/dev/null; then \
	  echo "test-containers: skipped: podman is not installed (INSTALL_PODMAN=1 or CI=true installs it)"; \
	  exit 0; \
	fi; \
	$(MAKE) --no-print-directory image BASE=$(CONTAINER_TEST_BASE) IMAGE=$(IMAGE); \
	echo "test-containers: $(words $(CONTAINER_TESTS)) contract tests in containers of $(IMAGE)"; \
	ERP_CONTRACT_RUNTIME=container ERP_CONTRACT_IMAGE=$(IMAGE) \
	  $(VENV)/bin/pytest -q -p no:cacheprovider $(CONTAINER_TESTS)

EXTRA_TEST_TARGETS += test-containers
