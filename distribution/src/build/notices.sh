#!/usr/bin/env bash
# Build step (not shipped): puts LICENSE, NOTICE and THIRD-PARTY.txt into the assembled directory.
# THIRD-PARTY.txt is license-maven-plugin's list of the bundled jars with their licences, read from their own poms;
# NOTICE is the project's NOTICE followed by the NOTICE file each bundled jar carries (Apache-2.0, section 4(d)),
# each distinct text once. Fails when a bundled jar is missing from THIRD-PARTY.txt.
set -euo pipefail
dist=$1
root=$2
third_party=$3
cp "$root/LICENSE" "$dist/LICENSE"
cp "$third_party" "$dist/THIRD-PARTY.txt"
missing=0
for jar in "$dist"/lib/*.jar; do
  file=$(basename "$jar" .jar)
  case $file in infrakit4j-*) continue ;; esac
  # artifactId-version.jar: the list names it "groupId:artifactId:version"
  if ! grep -q ":${file%-*}:${file##*-} " "$dist/THIRD-PARTY.txt" \
      && ! grep -qF ":$(sed 's/-\([0-9][^-]*\(-[a-z]*\)*\)$/:\1/' <<<"$file") " "$dist/THIRD-PARTY.txt"; then
    echo "notices: lib/$file.jar is not in THIRD-PARTY.txt" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 1
work=$(mktemp -d /tmp/ik4j-notice.XXXXXX)
trap 'rm -rf "$work"' EXIT
{
  cat "$root/NOTICE"
  echo
  echo "This distribution bundles the third-party libraries listed, with their licences, in THIRD-PARTY.txt."
  echo "The NOTICE files they carry follow, each text once with the jars that carry it."
  for jar in "$dist"/lib/*.jar; do
    for entry in META-INF/NOTICE META-INF/NOTICE.txt META-INF/NOTICE.md; do
      if unzip -p "$jar" "$entry" >"$work/text" 2>/dev/null && [ -s "$work/text" ]; then
        sum=$(cksum <"$work/text" | cut -d' ' -f1)
        [ -f "$work/$sum" ] || cp "$work/text" "$work/$sum"
        echo "$(basename "$jar")" >>"$work/$sum.jars"
        grep -qx "$sum" "$work/order" 2>/dev/null || echo "$sum" >>"$work/order"
      fi
    done
  done
  while read -r sum; do
    echo
    echo "-------------------------------------------------------------------------------------------------------"
    echo "From $(paste -sd' ' "$work/$sum.jars" | sed 's/ /, /g'):"
    echo
    sed 's/[[:space:]]*$//' "$work/$sum"
  done <"$work/order"
} >"$dist/NOTICE"
echo "LICENSE, NOTICE ($(wc -l <"$work/order") third-party notices) and THIRD-PARTY.txt ($(grep -c ' (' "$dist/THIRD-PARTY.txt") libraries)"
