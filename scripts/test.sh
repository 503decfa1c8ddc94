#!/usr/bin/env bash
# The whole test suite: starts every backend the tests need (dockerd, libvirtd, the moto EC2 emulator) in a
# private state directory, runs `mvn verify` over all modules, and stops the backends again, pass or fail.
# Extra arguments go to Maven (e.g. -pl plugin-file -am).
set -euo pipefail
cd "$(dirname "$0")/.."

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
  scripts/backends/up.sh "$state" "${needed[@]}"
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
