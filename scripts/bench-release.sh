#!/usr/bin/env bash
# Prints issue #15's figures for the distribution as built, as InfraKit's Go client sees them, as a markdown table:
# launch to socket-ready and idle RSS per plugin, the first Provision and Describe after ready, Provision by 8
# Go clients, Describe of 1,000 instances against the Go client's own floor; the Go reference file plugin beside
# ours in the same run when it is there.
#   scripts/bench-release.sh [extra release-bench flags, e.g. --launches 7 --docker-host unix://...]
# Build first: mvn -B -q -DskipTests package -pl distribution,bench -am
# Go tools: ../shared/tools/infrakit-reference/build.sh puts peerbench, canned-describe and the reference plugin in
# $PEER_ROOT/bin (default ~/infrakit-reference/bin). Backends (optional; their rows say "not measured" without):
# source the env file of scripts/backends/up.sh (IK4J_DOCKER_HOST, IK4J_LIBVIRT_URI, IK4J_MOTO_ENDPOINT).
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${PEER_ROOT:-$HOME/infrakit-reference}/bin
dist=$(ls -d distribution/target/infrakit4j-*/ | head -1)
[ -x "$dist/bin/infrakit-instance-file" ] || { echo "no built distribution under distribution/target" >&2; exit 2; }
ref=()
if [ -x "$peer/infrakit-instance-file-quiet" ]; then
  ref=(--reference-file "$peer/infrakit-instance-file-quiet")
fi
exec java -cp "bench/target/lib/*:$(ls bench/target/infrakit4j-bench-*.jar)" org.infrakit4j.bench.ReleaseBench \
  --dist "$dist" --peerbench "$peer/peerbench" --canned "$peer/canned-describe" "${ref[@]}" "$@"
