#!/usr/bin/env bash
# Benchmarks plugin-file from the distribution with the bench tool: launch to socket-ready, idle RSS, then
# Provision/Describe/Label/Destroy figures. Usage: scripts/bench-file.sh [INSTANCES] [extra bench flags...]
# Build first: mvn -B -q -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
instances=${1:-1000}
shift || true
dist=$(ls -d distribution/target/infrakit4j-*/ | head -1)
work=$(mktemp -d /tmp/ik4j-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
exec java -cp "bench/target/lib/*:$(ls bench/target/infrakit4j-bench-*.jar)" org.infrakit4j.bench.PluginBench \
  --socket "$work/plugins/instance-file" --instances "$instances" "$@" \
  --launch "${dist}bin/infrakit-instance-file" --plugins-dir "$work/plugins" --dir "$work/instances" \
  --log-level warn
