#!/usr/bin/env bash
# Build step (not shipped): writes bin/<name> and systemd/<name>.service for every jar in lib/ that declares a
# launcher in META-INF/infrakit4j/launcher.properties (name=, main=, summary=; service=false for a command that is
# not a long-running plugin, such as the CLI: it gets no unit). A provider module declares its own
# launcher, so the distribution keeps no list of plugins.
set -euo pipefail
dist=$1
count=0
declare -A seen
rm -rf "$dist/systemd"
mkdir -p "$dist/systemd"
for jar in "$dist"/lib/*.jar; do
  props=$(unzip -p "$jar" META-INF/infrakit4j/launcher.properties 2>/dev/null) || continue
  name=$(printf '%s\n' "$props" | sed -n 's/^name=//p')
  main=$(printf '%s\n' "$props" | sed -n 's/^main=//p')
  summary=$(printf '%s\n' "$props" | sed -n 's/^summary=//p')
  service=$(printf '%s\n' "$props" | sed -n 's/^service=//p')
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
  # The plugin's own jars (META-INF/infrakit4j/classpath, artifact names recorded by its build), else every jar of
  # lib/. Each name is lib/'s jar of that artifact, whatever version the distribution settled on.
  jars=
  if listed=$(unzip -p "$jar" META-INF/infrakit4j/classpath 2>/dev/null) && [ -n "$listed" ]; then
    found=$(basename "$jar")
    for artifact in $(printf '%s\n' "$listed" | tr ':' '\n' | sed -e 's|^lib/||' -e 's|\.jar$||'); do
      [[ $artifact =~ ^[A-Za-z0-9._+-]+$ ]] || { echo "launchers: $(basename "$jar") lists an unusable jar name '$artifact'" >&2; exit 1; }
      matches=("$dist/lib/$artifact"-[0-9]*.jar)
      if [ ${#matches[@]} -ne 1 ] || [ ! -f "${matches[0]}" ]; then
        echo "launchers: $(basename "$jar") needs $artifact, which lib/ holds ${#matches[@]} times or not at all" >&2
        exit 1
      fi
      found="$found"$'\n'"$(basename "${matches[0]}")"
    done
    jars="--jars $(printf '%s\n' "$found" | sort -u | paste -sd:) "
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
exec "\$(dirname "\$self")/infrakit4j-java" $jars$main "\$@"
LAUNCHER
  chmod 0755 "$dist/bin/$name"
  seen[$name]=1
  count=$((count + 1))
  if [ "${service:-true}" = false ]; then
    echo "launcher bin/$name: $main (from $(basename "$jar")${jars:+, its own jars}), a command: no systemd unit"
    continue
  fi
  # The unit expects the release at /opt/infrakit4j (a link to infrakit4j-<version> makes upgrades one ln -sfn)
  # and a system user "infrakit"; the README's systemd section tells how to install it.
  cat >"$dist/systemd/$name.service" <<UNIT
[Unit]
Description=$summary
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=infrakit
Group=infrakit
# Sockets in /run/infrakit/plugins (point InfraKit at it: INFRAKIT_PLUGINS_DIR=/run/infrakit/plugins). Kept when
# one plugin stops, as the other plugins' sockets are in it too.
RuntimeDirectory=infrakit/plugins
RuntimeDirectoryMode=0700
RuntimeDirectoryPreserve=yes
# INFRAKIT_HOME: the plugins' state (e.g. plugin-file's instance files); the cache: class data for a fast start.
StateDirectory=infrakit4j
CacheDirectory=infrakit4j
Environment=INFRAKIT_HOME=/var/lib/infrakit4j
Environment=XDG_CACHE_HOME=/var/cache/infrakit4j
# JVM options (e.g. JAVA_OPTS=-Xmx512m) and the plugin's own flags (ARGS=...) go in this optional file.
Environment=JAVA_OPTS=
Environment=ARGS=
EnvironmentFile=-/etc/default/$name
ExecStart=/opt/infrakit4j/bin/$name --plugins-dir /run/infrakit/plugins \$ARGS
# SIGTERM: calls in flight finish (--stop-timeout, 10 s by default), the socket is removed, exit 0.
KillSignal=SIGTERM
TimeoutStopSec=60
Restart=on-failure
RestartSec=5
# Exit 2 is a bad command line: restarting cannot help.
RestartPreventExitStatus=2
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full

[Install]
WantedBy=multi-user.target
UNIT
  chmod 0644 "$dist/systemd/$name.service"
  echo "launcher bin/$name and systemd/$name.service: $main (from $(basename "$jar"))"
done
if [ "$count" -eq 0 ]; then
  echo "launchers: no jar in $dist/lib declares a launcher" >&2
  exit 1
fi
