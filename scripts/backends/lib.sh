# shellcheck shell=bash
# Helpers shared by up.sh and down.sh (sourced, not executed).

log() { printf '[backends] %s\n' "$*" >&2; }
die() { printf '[backends] ERROR: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }

# Absolute path without requiring it to exist: daemons get it on their
# command line and must not depend on the caller's working directory.
abs_path() { realpath -m -- "$1"; }

# Start time of a process in clock ticks since boot (field 22 of
# /proc/PID/stat). Stored next to the pid so a recycled pid is never
# mistaken for one of our daemons.
proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # Fields after the "(comm)" field; comm may contain spaces.
  stat=${stat##*) }
  # shellcheck disable=SC2086  # word splitting wanted
  set -- $stat
  printf '%s\n' "${20}"
}

# record_proc FILE PID: remember a process we started.
record_proc() {
  local st
  st=$(proc_starttime "$2") || return 1
  printf '%s %s\n' "$2" "$st" >"$1"
}

# owned_pid FILE: print the pid recorded in FILE if that very process is
# still alive; returns 1 (and prints nothing) otherwise.
owned_pid() {
  local file=$1 pid st cur
  [[ -f $file ]] || return 1
  read -r pid st <"$file" || return 1
  [[ $pid =~ ^[0-9]+$ && -n ${st:-} ]] || return 1
  cur=$(proc_starttime "$pid") || return 1
  [[ $cur == "$st" ]] || return 1
  # A zombie is not running any more.
  [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) != Z ]] || return 1
  printf '%s\n' "$pid"
}

# stop_recorded FILE NAME [TIMEOUT_S]: TERM the recorded process, wait,
# then KILL. Removes the record. Never touches a process we did not start.
stop_recorded() {
  local file=$1 name=$2 timeout=${3:-20} pid i
  if pid=$(owned_pid "$file"); then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      owned_pid "$file" >/dev/null || break
      sleep 0.1
    done
    if owned_pid "$file" >/dev/null; then
      log "$name did not exit after ${timeout}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        owned_pid "$file" >/dev/null || break
        sleep 0.1
      done
    fi
  fi
  rm -f -- "$file"
}

# Unmount everything mounted below DIR, deepest first (dockerd leaves the
# netns bind mount, and overlay mounts if it was killed hard).
umount_below() {
  local dir=$1 mp
  [[ -d $dir ]] || return 0
  # Field 5 of mountinfo is the mount point (octal escapes for spaces are
  # fine: our state paths are expected to be plain).
  awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo |
    sort -r | while read -r mp; do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || log "could not unmount $mp"
  done
}

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

# docker_cleanup_leftovers D: only while our dockerd is NOT running. Kills
# what it left, unmounts (exec-root/netns/default nsfs, the data-root bind
# mount, overlays) and drops containerd's pid file: an unreaped zombie
# (PID 1 here reaps slowly) with that pid makes the next dockerd wait for
# a containerd that is gone, then fail after 15 s.
docker_cleanup_leftovers() {
  local d=$1
  kill_docker_leftovers "$d"
  sleep 0.2
  umount_below "$d"
  rm -f "$d/exec/containerd/containerd.pid"
}

# running_named NAME: true if a live (non-zombie) process has comm NAME.
# Not pgrep: it also matches zombies, and PID 1 on these machines reaps
# killed daemons only after a while.
running_named() {
  local p
  for p in /proc/[0-9]*; do
    [[ $(cat "$p/comm" 2>/dev/null || true) == "$1" ]] || continue
    [[ $(awk '/^State:/ {print $2}' "$p/status" 2>/dev/null || true) == Z ]] || return 0
  done
  return 1
}
