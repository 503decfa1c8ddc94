#!/usr/bin/env bash
# Soaks one plugin from the distribution with the soak tool: 8 clients of mixed calls (Describe-heavy, as group
# plugins poll, plus Provision/Label/Destroy), checked call by call, with p99, RSS and open descriptors per window.
# Usage: scripts/soak.sh file|docker|libvirt|aws [extra soak flags, e.g. --seconds 120 --window 20]
# Build first: mvn -B -q -DskipTests package. Backends other than file are started here and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${1:?usage: scripts/soak.sh file|docker|libvirt|aws [soak flags]}
shift
dist=$(ls -d distribution/target/infrakit4j-*/ | head -1)
work=$(mktemp -d /tmp/ik4j-soak.XXXXXX)
state="$work/backends"
mkdir -p "$state"
cleanup() {
  [ "$plugin" = file ] || scripts/backends/down.sh "$state" || true
  rm -rf "$work"
}
trap cleanup EXIT

case "$plugin" in
  file)
    launch=("${dist}bin/infrakit-instance-file" --dir "$work/instances")
    props='{"size":"small"}' ;;
  docker)
    scripts/backends/up.sh "$state" docker >/dev/null
    # shellcheck disable=SC1091
    source "$state/env"
    launch=("${dist}bin/infrakit-instance-docker" --docker-host "$IK4J_DOCKER_HOST")
    props="{\"Image\":\"$IK4J_DOCKER_IMAGE\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\"}" ;;
  libvirt)
    scripts/backends/up.sh "$state" libvirt >/dev/null
    # shellcheck disable=SC1091
    source "$state/env"
    launch=("${dist}bin/infrakit-instance-libvirt" --uri "$IK4J_LIBVIRT_URI" --storage-pool "$IK4J_LIBVIRT_POOL")
    props='{"NamePrefix":"ik4j-soak","Type":"qemu","MemoryMiB":32,"Console":false}'
    # Every instance is a running qemu process: groups of 20 per client would put some 170 emulated machines on
    # the host, and the soak would measure the host's CPU rather than the plugin.
    [[ " $* " == *" --group-size "* ]] || set -- --group-size 3 "$@" ;;
  aws)
    scripts/backends/up.sh "$state" moto >/dev/null
    # shellcheck disable=SC1091
    source "$state/env"
    launch=(env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "${dist}bin/infrakit-instance-aws"
      --endpoint "$IK4J_MOTO_ENDPOINT" --region us-east-1)
    props='{"ImageId":"ami-12c6146b","InstanceType":"t2.micro"}' ;; # one of moto's built-in images
  *) echo "unknown plugin: $plugin" >&2; exit 2 ;;
esac

java -cp "bench/target/lib/*:$(ls bench/target/infrakit4j-bench-*.jar)" org.infrakit4j.bench.PluginSoak \
  --socket "$work/plugins/instance-$plugin" --properties "$props" "$@" \
  --launch "${launch[@]}" --plugins-dir "$work/plugins" --log-level warn
