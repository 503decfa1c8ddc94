#!/usr/bin/env bash
# Quick end-to-end check of whatever up.sh started in STATE_DIR (per
# STATE_DIR/env). Exits non-zero on the first failure.
#
#   smoke.sh STATE_DIR
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
[[ -s $1/env ]] || { echo "smoke: $1/env is empty: nothing is up" >&2; exit 1; }
# shellcheck source=/dev/null
source "$1/env"

if [[ -n ${IK4J_DOCKER_HOST:-} ]]; then
  # The client may be newer (28.x) than the engine (API 1.41).
  out=$(DOCKER_API_VERSION=1.41 docker -H "$IK4J_DOCKER_HOST" run --rm \
    --network none --init "$IK4J_DOCKER_IMAGE" sh -c 'echo ik4j-docker-ok')
  [[ $out == ik4j-docker-ok ]] || { echo "smoke: docker run printed '$out'" >&2; exit 1; }
  echo "smoke: docker ok"
fi

if [[ -n ${IK4J_LIBVIRT_URI:-} ]]; then
  name="ik4j-smoke-$$"
  xml=$(mktemp)
  trap 'rm -f "$xml"' EXIT
  # Diskless TCG guest without network: starts in well under a second.
  cat >"$xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
EOF
  v=(virsh -q -c "$IK4J_LIBVIRT_URI")
  "${v[@]}" define "$xml" >/dev/null
  rc=0
  "${v[@]}" start "$name" >/dev/null || rc=$?
  state=$("${v[@]}" domstate "$name" 2>/dev/null || true)
  "${v[@]}" destroy "$name" >/dev/null 2>&1 || true
  "${v[@]}" undefine "$name" >/dev/null
  [[ $rc -eq 0 && $state == running ]] || { echo "smoke: libvirt domain state '$state'" >&2; exit 1; }
  # Not `virsh | grep -q`: with pipefail an early grep exit fails the pipe.
  [[ $("${v[@]}" pool-info "$IK4J_LIBVIRT_POOL") =~ State:[[:space:]]+running ]] ||
    { echo "smoke: pool $IK4J_LIBVIRT_POOL not running" >&2; exit 1; }
  echo "smoke: libvirt ok"
fi

if [[ -n ${IK4J_MOTO_ENDPOINT:-} ]]; then
  # moto only checks that a SigV4 Authorization header is present.
  out=$(curl -sS --max-time 10 "$IK4J_MOTO_ENDPOINT/" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' \
    -d 'Action=DescribeRegions&Version=2016-11-15')
  [[ $out == *DescribeRegionsResponse* ]] || { echo "smoke: moto answered: ${out:0:200}" >&2; exit 1; }
  echo "smoke: moto ok"
fi
