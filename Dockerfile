# syntax=docker/dockerfile:1
# erp-system image: one image, one console command `erp`; Kubernetes runs `erp serve <service>`
# and `erp migrate <service>`. Runs as UID 10001 on a read-only root filesystem (only /tmp
# is written, from an emptyDir). Health is checked by Kubernetes probes, not a HEALTHCHECK.

ARG PYTHON_VERSION=3.12.11
# Where no registry is reachable, a Debian root filesystem made by mmdebstrap and imported
# (`make image BASE=debian`) stands in for python:slim; it needs python3-dev for mypyc.
ARG BASE_IMAGE=python:${PYTHON_VERSION}-slim-bookworm
ARG BUILD_PACKAGES="gcc libc6-dev"
ARG UV_VERSION=0.13.9

# checkov:skip=CKV_DOCKER_7:the base is pinned through ARG BASE_IMAGE (python:3.12.11-slim-bookworm)
FROM ${BASE_IMAGE} AS build
ARG BUILD_PACKAGES
ARG UV_VERSION
# The gateway's proxy engine is compiled with mypyc (pyproject.toml); the compiler stays in
# this stage, the runtime image gets only the built modules.
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HATCH_BUILD_HOOK_ENABLE_MYPYC=true
RUN apt-get update \
    && apt-get install -y --no-install-recommends ${BUILD_PACKAGES} \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/erp && python -m venv /opt/uv && /opt/uv/bin/pip install "uv==${UV_VERSION}"
# The dependency set is the lock file's, to the hash; the wheel build's own tools (hatchling,
# the mypyc hook, mypy) are pinned by requirements/build-constraints.txt.
COPY pyproject.toml uv.lock README.md ./
COPY requirements/build-constraints.txt ./requirements/
RUN /opt/uv/bin/uv export --frozen --no-dev --no-emit-project -o /tmp/requirements.txt \
    && /opt/erp/bin/pip install --no-compile --require-hashes -r /tmp/requirements.txt
COPY src ./src
RUN PIP_CONSTRAINT=/src/requirements/build-constraints.txt \
    /opt/erp/bin/pip install --no-compile --no-deps . \
    && /opt/erp/bin/python -c 'import sys, erp.gateway.proxy as p; sys.exit(not p.compiled())' \
    && /opt/erp/bin/python -m compileall -q /opt/erp/lib

FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="erp-system" \
      org.opencontainers.image.description="ERP backend: gateway, inventory, finance, reporting" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/erp/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ERP_PORT=8000
RUN groupadd --system --gid 10001 erp \
    && useradd --system --uid 10001 --gid erp --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin erp
COPY --from=build /opt/erp /opt/erp
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK NONE
ENTRYPOINT ["erp"]
CMD ["up"]
