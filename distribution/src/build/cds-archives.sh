#!/usr/bin/env bash
# Build step (not shipped): starts each plugin of the assembled distribution once, until its socket is ready,
# with IK4J_CDS_DUMP=1, so the JVM writes lib/cds/KEY/<main class>.jsa on exit (KEY: this directory and this JVM,
# see bin/infrakit4j-java). The archive serves starts from this directory only; the tarball ships none, and an
# unpacked copy records its own on its first start. A plugin that cannot start here simply gets no archive.
set -u
dist=$1
work=$(mktemp -d /tmp/ik4j-cds.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -rf "$dist/lib/cds" "$dist"/lib/*.jsa
for launcher in "$dist"/bin/infrakit-instance-* "$dist"/bin/infrakit-group; do
  name=$(basename "$launcher")
  main=$(sed -n 's/.*infrakit4j-java" \(--jars [^ ]* \)\{0,1\}\([A-Za-z0-9.]*\).*/\2/p' "$launcher")
  [ -n "$main" ] || continue
  # plugin-aws needs a region to start; the endpoint answers nothing (no call is made before the socket is up).
  extra=()
  [ "$name" = infrakit-instance-aws ] && extra=(--region us-east-1 --endpoint http://127.0.0.1:9)
  INFRAKIT_HOME="$work/$name" IK4J_CDS_DUMP=1 "$launcher" --plugins-dir "$work/p" \
    --name "$name" --log-level error "${extra[@]}" >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [ -S "$work/p/$name" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  archive=$(find "$dist/lib/cds" -name "$main.jsa" 2>/dev/null | head -1)
  if [ -n "$archive" ]; then
    chmod 0644 "$archive"
    echo "class data archive for $name: ${archive#"$dist"/}"
  else
    echo "no class data archive for $name (it did not start here: $(tail -1 "$work/$name.log"))"
  fi
done
exit 0
