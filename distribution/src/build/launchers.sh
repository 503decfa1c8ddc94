#!/usr/bin/env bash
# Build step (not shipped): writes bin/<name> for every jar in lib/ that declares a launcher in
# META-INF/infrakit4j/launcher.properties (name=, main=, summary=). A provider module declares its own launcher,
# so the distribution keeps no list of plugins.
set -euo pipefail
dist=$1
count=0
declare -A seen
for jar in "$dist"/lib/*.jar; do
  props=$(unzip -p "$jar" META-INF/infrakit4j/launcher.properties 2>/dev/null) || continue
  name=$(printf '%s\n' "$props" | sed -n 's/^name=//p')
  main=$(printf '%s\n' "$props" | sed -n 's/^main=//p')
  summary=$(printf '%s\n' "$props" | sed -n 's/^summary=//p')
  # The values become a file name and a shell line: only plain names get through.
  if ! [[ $name =~ ^[a-z0-9][a-z0-9-]*$ && $main =~ ^[A-Za-z_][A-Za-z0-9_.]*$ && $summary != *$'\n'* ]]; then
    echo "launchers: $(basename "$jar") declares an unusable launcher (name '$name', main '$main')" >&2
    exit 1
  fi
  # Seen in this run, not on disk: a build without clean finds the last build's launchers there.
  if [ -n "${seen[$name]:-}" ]; then
    echo "launchers: two modules declare the launcher $name" >&2
    exit 1
  fi
  cat >"$dist/bin/$name" <<LAUNCHER
#!/bin/sh
# $summary Flags: --help.
# Follows symlinks to its real place (it may be linked into /usr/local/bin), where infrakit4j-java is.
self=\$0
while [ -L "\$self" ]; do
  link=\$(readlink "\$self")
  case \$link in
    /*) self=\$link ;;
    *) self=\$(dirname "\$self")/\$link ;;
  esac
done
exec "\$(dirname "\$self")/infrakit4j-java" $main "\$@"
LAUNCHER
  chmod 0755 "$dist/bin/$name"
  seen[$name]=1
  echo "launcher bin/$name: $main (from $(basename "$jar"))"
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "launchers: no jar in $dist/lib declares a launcher" >&2
  exit 1
fi
