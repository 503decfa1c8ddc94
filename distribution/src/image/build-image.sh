#!/usr/bin/env bash
# Builds the container image of a release: Debian 12's essential packages (mmdebstrap, from Debian's archive), a
# Java runtime made by jlink with only the modules the jars use, and the release in /opt/infrakit4j. One image for
# every plugin: its first argument names the plugin. It runs as the user 10001, serves in /run/infrakit/plugins
# (a volume: mount a host directory there) and has the class data (AOT cache) of each plugin recorded at build
# time. Nothing is pulled from a registry: the image is made by `docker import`.
#
#   build-image.sh RELEASE_DIR [TAG]       (default TAG: infrakit4j:<version>)
#
# Needs root (mmdebstrap), mmdebstrap, a JDK 25 or later with jlink (JLINK_JDK, else JAVA_HOME), and the docker
# CLI with an engine (DOCKER_HOST). ROOTFS=FILE reuses a root file system tar made before by mmdebstrap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=$(cd "$1" && pwd)
runtime_jar=$(ls "$release"/lib/infrakit4j-runtime-*.jar)
version=${runtime_jar##*/infrakit4j-runtime-}
version=${version%.jar}
tag=${2:-infrakit4j:$version}
jdk=${JLINK_JDK:-${JAVA_HOME:-}}
[[ -n $jdk && -x $jdk/bin/jlink ]] || { echo "build-image: no jlink: set JLINK_JDK to a JDK 25 or later" >&2; exit 2; }
command -v docker >/dev/null || { echo "build-image: no docker CLI" >&2; exit 2; }
work=$(mktemp -d /tmp/ik4j-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ -n ${ROOTFS:-} ]]; then
  cp "$ROOTFS" "$work/image.tar"
else
  command -v mmdebstrap >/dev/null || { echo "build-image: no mmdebstrap (apt-get install mmdebstrap)" >&2; exit 2; }
  mmdebstrap --quiet --variant=essential --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$work/image.tar"
fi

# The runtime: the modules the jars use (jdeps) and those they reach by reflection or service loading.
modules=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 -q \
  --class-path "$release/lib/*" "$release"/lib/*.jar)
modules="$modules,java.xml,java.logging,java.management,jdk.management,jdk.unsupported,jdk.charsets"
stage=$work/stage
mkdir -p "$stage/opt" "$stage/usr/local/bin" "$stage/var/lib/infrakit4j" "$stage/var/cache/infrakit4j" \
  "$stage/run/infrakit/plugins"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$stage/opt/java"
cp -a "$release" "$stage/opt/infrakit4j"
rm -rf "$stage/opt/infrakit4j/lib/cds"
install -m 0755 "$here/infrakit4j-container" "$stage/usr/local/bin/infrakit4j-container"
tar -rf "$work/image.tar" --owner=0 --group=0 -C "$stage" ./opt/java ./opt/infrakit4j \
  ./usr/local/bin/infrakit4j-container
tar -rf "$work/image.tar" --owner=10001 --group=10001 -C "$stage" ./var/lib/infrakit4j ./var/cache/infrakit4j \
  ./run/infrakit

config=(--change 'USER 10001:10001' --change 'VOLUME /run/infrakit/plugins'
  --change 'ENV JAVA_HOME=/opt/java INFRAKIT_HOME=/var/lib/infrakit4j HOME=/var/lib/infrakit4j'
  --change 'ENV XDG_CACHE_HOME=/var/cache/infrakit4j'
  --change 'ENTRYPOINT ["/usr/local/bin/infrakit4j-container"]' --change 'CMD ["file"]')
untrained="$tag-untrained"
docker import "${config[@]}" "$work/image.tar" "$untrained" >/dev/null

# Each plugin started once, so the image carries its AOT cache (the paths are fixed inside the image).
name="ik4j-image-train-$$"
docker run --name "$name" --network none --entrypoint /bin/sh "$untrained" -c '
  for p in /opt/infrakit4j/bin/infrakit-instance-*; do
    n=${p##*/infrakit-}
    "$p" --plugins-dir /tmp/train --log-level error & pid=$!
    i=0
    while [ ! -S /tmp/train/$n ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    kill -TERM $pid 2>/dev/null; wait $pid || true
  done
  ls /var/cache/infrakit4j/infrakit4j/*/*/' >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
docker commit "${config[@]}" "$name" "$tag" >/dev/null
docker rm -v "$name" >/dev/null
docker rmi "$untrained" >/dev/null
echo "image $tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1000000}'),"\
  "AOT caches: $(grep -c '\.aot$' "$work/train.log")"
