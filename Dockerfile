# syntax=docker/dockerfile:1
# erp-system image: one image, one console command `erp`; Kubernetes runs `erp serve <service>`
# and `erp migrate <service>`. Runs as UID 10001 on a read-only root filesystem (only /tmp
# is written, from an emptyDir). Health is checked by Kubernetes probes, not a HEALTHCHECK.

ARG PYTHON_VERSION=3.12.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
# The gateway's proxy engine is compiled with mypyc (pyproject.toml); the compiler stays in
# this stage, the runtime image gets only the built modules.
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HATCH_BUILD_HOOK_ENABLE_MYPYC=true
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/erp
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/erp/bin/pip install --no-compile . \
    && /opt/erp/bin/python -c 'import sys, erp.gateway.proxy as p; sys.exit(not p.compiled())' \
    && /opt/erp/bin/python -m compileall -q /opt/erp/lib

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
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
