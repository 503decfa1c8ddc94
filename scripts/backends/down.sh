#!/usr/bin/env bash
# Stop whatever up.sh started in STATE_DIR. Idempotent; succeeds when
# nothing runs. Only processes recorded by up.sh (pid + start time) and
# their own helpers are touched. libvirt domains are left to the tests.
#
#   down.sh STATE_DIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 STATE_DIR"
STATE=$(abs_path "$1")
[[ -d $STATE ]] || exit 0
exec 9>"$STATE/.lock"
flock -w 600 9 || die "timed out waiting for the lock on $STATE"

# Kill container processes our dockerd left behind (only if it had to be
# KILLed): runc's state.json holds each container's init pid + start time.
kill_docker_leftovers() {
  local d=$1 f pid st
  [[ -d $d/exec ]] || return 0
  while IFS= read -r -d '' f; do
    pid=$(grep -o '"init_process_pid":[0-9]*' "$f" | grep -o '[0-9]*$') || continue
    st=$(grep -o '"init_process_start":"\?[0-9]*' "$f" | grep -o '[0-9]*$') || continue
    if [[ $(proc_starttime "$pid" 2>/dev/null || true) == "$st" ]]; then
      log "docker: killing leftover container init $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done < <(find "$d/exec" -name state.json -print0 2>/dev/null)
  # containerd and its shims started by our dockerd name our exec root on
  # their command line.
  local p cmd
  for p in /proc/[0-9]*; do
    [[ $(cat "$p/comm" 2>/dev/null || true) == containerd* ]] || continue
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null || true)
    [[ $cmd == *"$d/"* ]] || continue
    log "docker: killing leftover ${p#/proc/}: $cmd"
    kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
}

# --- docker: dockerd stops its containers on TERM (up to ~15 s each batch).
d="$STATE/docker"
if [[ -d $d ]]; then
  stop_recorded "$d/dockerd.proc" dockerd 45
  kill_docker_leftovers "$d"
  sleep 0.2
  # dockerd leaves the exec-root/netns/default nsfs bind mount behind.
  umount_below "$d"
  rm -f "$d/env" "$d/docker.sock" "$d/dockerd.pid"
fi

# --- libvirt
d="$STATE/libvirt"
if [[ -d $d ]]; then
  if owned_pid "$d/libvirtd.proc" >/dev/null; then
    v=(timeout 20 virsh -q -c qemu:///system)
    running=$("${v[@]}" list --name 2>/dev/null | sed '/^$/d' || true)
    [[ -z $running ]] || log "libvirt: domains still running (left alone): $(echo "$running" | tr '\n' ' ')"
    # Drop the pool definition (not its files) if it points into this state
    # dir, so /etc/libvirt does not keep pools for deleted temp dirs.
    if "${v[@]}" pool-dumpxml infrakit4j 2>/dev/null | grep -q "<path>$d/pool</path>"; then
      "${v[@]}" pool-destroy infrakit4j >/dev/null 2>&1 || true
      "${v[@]}" pool-undefine infrakit4j >/dev/null 2>&1 || true
    fi
  fi
  stop_recorded "$d/libvirtd.proc" libvirtd 30
  stop_recorded "$d/virtlogd.proc" virtlogd 10
  rm -f "$d/env"
fi

# --- moto
d="$STATE/moto"
if [[ -d $d ]]; then
  stop_recorded "$d/moto.proc" moto 10
  rm -f "$d/env" "$d/port"
fi

# Nothing is up any more in this state dir.
: >"$STATE/env"
log "all backends in $STATE stopped"
