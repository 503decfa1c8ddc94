#!/usr/bin/env bash
# Build step (not shipped): starts each plugin of the assembled distribution once, until its socket is ready,
# with IK4J_CDS_DUMP set, so the JVM writes lib/<main class>.jsa on exit. A plugin that cannot start here
# simply gets no archive.
set -u
dist=$1
work=$(mktemp -d /tmp/ik4j-cds.XXXXXX)
trap 'rm -rf "$work"' EXIT
for launcher in "$dist"/bin/infrakit-instance-*; do
  name=$(basename "$launcher")
  main=$(sed -n 's/.*infrakit4j-java" \([A-Za-z0-9.]*\).*/\1/p' "$launcher")
  [ -n "$main" ] || continue
  rm -f "$dist/lib/$main.jsa"
  INFRAKIT_HOME="$work/$name" IK4J_CDS_DUMP="$dist/lib/$main.jsa" "$launcher" --plugins-dir "$work/p" \
    --name "$name" --log-level error >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [ -S "$work/p/$name" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -f "$dist/lib/$main.jsa" ]; then
    chmod 0644 "$dist/lib/$main.jsa"
    echo "class data archive for $name: lib/$main.jsa"
  else
    echo "no class data archive for $name (it did not start here)"
  fi
done
exit 0
