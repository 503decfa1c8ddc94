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
# The list without the project's own modules, which LICENSE covers.
entries=$(grep '^ *(' "$third_party" | grep -v '(org\.infrakit4j:' || true)
{
  echo "The $(printf '%s\n' "$entries" | grep -c .) third-party libraries in lib/, each with the licence(s) its pom declares:"
  echo
  printf '%s\n' "$entries" | sed 's/^ *//'
} >"$dist/THIRD-PARTY.txt"
missing=0
# Each entry ends "(groupId:artifactId:version - url)": the jar is lib/artifactId-version.jar.
listed=$(printf '%s\n' "$entries" | sed -n 's/.*(\([^ :()]*\):\([^ :()]*\):\([^ ()]*\) - [^()]*)$/\2-\3.jar/p')
for jar in "$dist"/lib/*.jar; do
  file=$(basename "$jar")
  case $file in infrakit4j-*) continue ;; esac
  if ! printf '%s\n' "$listed" | grep -qxF "$file"; then
    echo "notices: lib/$file is not in THIRD-PARTY.txt" >&2
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
echo "LICENSE, NOTICE ($(wc -l <"$work/order") third-party notices) and THIRD-PARTY.txt ($(printf '%s\n' "$listed" | grep -c .) libraries)"
