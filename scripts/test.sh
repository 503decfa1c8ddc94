#!/usr/bin/env bash
# The whole test suite: starts every backend the tests need (dockerd, libvirtd, the moto EC2 emulator) in a
# private state directory, runs `mvn verify` over all modules, and stops the backends again, pass or fail.
# Extra arguments go to Maven (e.g. -pl plugin-file -am).
#
# What it needs, on Debian 12:
# - root: it installs packages with apt-get and runs dockerd and libvirtd;
# - a JDK 17 or later and Maven 3.8 or later, with Maven Central reachable (or ~/.m2 filled);
# - the Debian packages it installs when missing (apt-get, Debian's archive reachable): docker.io, containerd,
#   busybox-static, libvirt-daemon(-system, -sysv), libvirt-clients, qemu-system-x86, qemu-utils, genisoimage,
#   curl, systemd (for systemd-analyze, which checks the release's units) and mmdebstrap (the container
#   image's base);
# - a JDK 25 or later with jlink for the container image's runtime (JLINK_JDK, else found under /usr/lib/jvm);
# - moto with its server ("moto[server]") in a Python of its own ($PYTHON, or a pyenv Python under
#   /root/.pyenv/versions/): it is never installed from PyPI here.
# It fails with one line naming what is missing when one of these cannot be had. On the host it changes, beside
# installing those packages, only what scripts/backends/down.sh puts back when it ends (the libvirt default
# network's autostart link, /dev/kvm's group); everything else is in its state directory under /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need WHAT-IS-MISSING: the one line, then stop
  echo "scripts/test.sh: cannot run: $*" >&2
  exit 2
}
[[ $EUID -eq 0 ]] || need "it must run as root (it installs packages with apt-get and runs dockerd and libvirtd)"
command -v java >/dev/null || need "no java on PATH (a JDK 17 or later is needed)"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[[ ${java_major:-0} -ge 17 ]] || need "java on PATH is version ${java_major:-unknown}; 17 or later is needed"
command -v mvn >/dev/null || need "no mvn on PATH (Maven 3.8 or later is needed)"
command -v apt-get >/dev/null || need "no apt-get: the backends are installed from Debian's packages"
install_for() { # install_for COMMAND PACKAGE: the Debian package that brings a command the tests run
  command -v "$1" >/dev/null && return 0
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "$2" \
    >/dev/null 2>&1 || need "$1 is missing and apt-get install $2 failed"
}
install_for systemd-analyze systemd   # checks the release's systemd units
install_for mmdebstrap mmdebstrap     # the container image's Debian base, from Debian's archive
# The container image's runtime is made by jlink of a JDK 25 or later (JLINK_JDK, else one under /usr/lib/jvm).
if [[ -z ${JLINK_JDK:-} ]]; then
  for jdk in /usr/lib/jvm/*; do
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null || true)
    [[ -x $jdk/bin/jlink && ${major:-0} -ge 25 ]] && JLINK_JDK=$jdk
  done
fi
[[ -n ${JLINK_JDK:-} ]] || need "no JDK 25 or later with jlink (set JLINK_JDK): the container image's Java runtime is made with it"
export JLINK_JDK

state=$(mktemp -d /tmp/ik4j-backends.XXXXXX)
log=$(mktemp /tmp/ik4j-test-log.XXXXXX)
cleanup() {
  scripts/backends/down.sh "$state" || echo "warning: stopping the backends failed" >&2
  rm -rf "$state" "$log" 2>/dev/null || true
}
trap cleanup EXIT

needed=()
[ -d plugin-docker ] && grep -q '<module>plugin-docker</module>' pom.xml && needed+=(docker)
[ -d plugin-libvirt ] && grep -q '<module>plugin-libvirt</module>' pom.xml && needed+=(libvirt)
[ -d plugin-aws ] && grep -q '<module>plugin-aws</module>' pom.xml && needed+=(moto)
if [ ${#needed[@]} -gt 0 ]; then
  scripts/backends/up.sh "$state" "${needed[@]}" ||
    need "a test backend did not come up (the [backends] ERROR line above names it and why)"
  # shellcheck disable=SC1091
  source "$state/env"
fi

# -fae: one failing module must not hide the results of the others; pipefail keeps the exit status non-zero.
mvn -B -fae verify "$@" 2>&1 | tee "$log"

# Tests put secrets (Init contents, credentials) that start with this marker through every plugin; no log line of
# the run may show one.
if grep -n 'ik4j-secret-' "$log" | grep -v 'Tests run' | head -5 | grep .; then
  echo "FAILED: the lines above show a test secret in the logs of the run" >&2
  exit 1
fi
