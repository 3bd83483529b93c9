#!/usr/bin/env bash
# Install what `make image` and the container-mode contract tests need on a Debian machine
# without a Docker engine: podman, buildah, runc (crun comes along as podman's default),
# iptables (podman's bridge networking calls it) and mmdebstrap (deploy/tools/debian-base.sh),
# from apt, then the containers.conf settings that make rootful podman work here:
# - runtime runc;
# - cgroupfs, not systemd, as the cgroup manager (no systemd is PID 1 on CI machines);
# - default ulimits (nofile, nproc) that the runtime may set: podman's own defaults (about a
#   million each) are higher than a process without CAP_SYS_RESOURCE may raise its limits to,
#   and every container fails with "error setting rlimit ... operation not permitted";
# - events to a file (no journald).
# Needs root. Safe to run again: packages already installed are skipped, and the settings are
# one drop-in file, rewritten only when its content would change.
set -euo pipefail

CONF_DIR=/etc/containers/containers.conf.d
CONF="$CONF_DIR/50-erp-system.conf"
PACKAGES=(podman buildah runc crun iptables mmdebstrap uidmap)

say() { echo "install-podman: $*"; }
die() { echo "install-podman: error: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "needs root (apt-get, /etc/containers); run it as root or with sudo"
command -v apt-get >/dev/null || die "needs apt-get (a Debian or Ubuntu machine)"

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
else
  say "podman, buildah, runc, iptables and mmdebstrap already installed"
fi

# Ulimits inside containers: at most this machine's hard limits. podman itself lowers its own
# nproc to 32768 at start (runc and the container inherit that), so nproc is at most 32768.
cap() { local hard="$1" want="$2"; [[ "$hard" == unlimited || "$hard" -gt "$want" ]] && hard="$want"; echo "$hard"; }
nofile="$(cap "$(ulimit -Hn)" 1048576)"
nproc="$(cap "$(ulimit -Hu)" 32768)"
# The cgroup manager: systemd only where systemd runs the machine.
cgroup_manager=cgroupfs
[[ -d /run/systemd/system ]] && cgroup_manager=systemd

wanted="$(cat <<EOF
# Written by deploy/tools/install-podman.sh (erp-system); rewritten when its settings change.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "$cgroup_manager"
events_logger = "file"
EOF
)"
mkdir -p "$CONF_DIR"
if [[ -f "$CONF" && "$(cat "$CONF")" == "$wanted" ]]; then
  say "$CONF already up to date"
else
  printf '%s\n' "$wanted" >"$CONF"
  say "wrote $CONF (runtime runc, cgroup manager $cgroup_manager, nofile $nofile, nproc $nproc)"
fi

runtime="$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null)" ||
  die "podman info fails: $(podman info 2>&1 | tail -n 1)"
[[ "$runtime" == runc ]] || die "podman uses $runtime, not runc: is $CONF read?"
say "ready: $(podman --version), runtime $runtime"
