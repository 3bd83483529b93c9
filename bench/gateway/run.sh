#!/usr/bin/env bash
# Gateway benchmark. Installs wrk and nginx with apt-get when they are missing (needs root or
# sudo; `apt-get update` runs once first), builds the compiled proxy engine (`make compiled`),
# then runs bench/gateway/run.py with any arguments.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
# The gateway rows run the proxy engine compiled as the image builds it (and once as pure Python).
make --no-print-directory compiled
exec .venv/bin/python bench/gateway/run.py "$@"
