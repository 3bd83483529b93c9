#!/usr/bin/env bash
# Make the image's base where no container registry is reachable: a Debian bookworm root
# filesystem built by mmdebstrap from Debian's package mirrors, imported into podman as
# erp-base:bookworm. It stands in for python:<version>-slim-bookworm with Debian's own Python
# (3.11, /usr/bin/python3; `python` from python-is-python3, `python -m venv` from python3-venv),
# ca-certificates, and passwd for the Dockerfile's groupadd/useradd.
# Cached: nothing is done when the image exists (FORCE=1 rebuilds it). Needs root and mmdebstrap
# (deploy/tools/install-podman.sh installs both podman and mmdebstrap).
# Usage: debian-base.sh [IMAGE]   (default erp-base:bookworm; env FORCE=1, DEBIAN_MIRROR=URL)
set -euo pipefail

IMAGE="${1:-erp-base:bookworm}"
SUITE=bookworm
PACKAGES=python3,python3-venv,python-is-python3,ca-certificates,passwd

say() { echo "debian-base: $*"; }
die() { echo "debian-base: error: $*" >&2; exit 1; }

command -v podman >/dev/null || die "podman is missing (bash deploy/tools/install-podman.sh)"
if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$IMAGE"; then
  say "$IMAGE already exists (FORCE=1 rebuilds it)"
  exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (bash deploy/tools/install-podman.sh)"
[[ "$(id -u)" == 0 ]] || die "needs root (mmdebstrap's root mode, rootful podman)"

# Package sources: DEBIAN_MIRROR if set; else this machine's own apt sources when it runs the
# same suite (the mirror it can reach, with -updates and -security); else mmdebstrap's default.
# shellcheck source=/dev/null
host_suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
mirrors=()
if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
  mirrors=("$DEBIAN_MIRROR")
elif [[ "$host_suite" == "$SUITE" ]]; then
  for source in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -s "$source" ]] && grep -qE "^(Suites:.*\\b$SUITE\\b|deb .*\\b$SUITE\\b)" "$source" &&
      mirrors+=("$source")
  done
fi

work="$(mktemp -d /var/tmp/erp-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
say "building a $SUITE root filesystem with $PACKAGES (mmdebstrap, about a minute)"
# Documentation, manual pages and translations are left out (the copyrights stay); mmdebstrap
# removes apt's package lists at the end, as the slim images do.
if ! mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  "$SUITE" "$work/rootfs.tar" "${mirrors[@]}" >"$work/mmdebstrap.log" 2>&1; then
  tail -n 20 "$work/mmdebstrap.log" >&2
  die "mmdebstrap failed (log above)"
fi
say "importing it as $IMAGE"
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null || die "podman import failed"
python="$(podman run --rm --network none "$IMAGE" python --version 2>&1)" ||
  die "$IMAGE does not run python: $python"
say "$IMAGE ready in $((SECONDS - started))s: $python, $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B"
