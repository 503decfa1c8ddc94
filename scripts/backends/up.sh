#!/usr/bin/env bash
# Install (if missing) and start the real backends the tests need.
#
#   up.sh STATE_DIR [docker] [libvirt] [moto]    # no names = all three
#
# Writes STATE_DIR/env (export lines) describing what runs. Exits non-zero,
# naming the backend, if any asked backend does not come up: the test run
# must fail rather than skip. Stop everything again with down.sh STATE_DIR.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

IMAGE=infrakit4j/busybox:latest
POOL=infrakit4j
LIBVIRT_URI=qemu:///system
# Applets linked into the test image (backends.md list plus a few basics).
APPLETS=(sh sleep ls cat echo ps hostname id env true false test '[' mkdir
  chmod touch wc grep rm kill)

usage() { die "usage: $0 STATE_DIR [docker] [libvirt] [moto]"; }

[[ $# -ge 1 && -n $1 ]] || usage
[[ $EUID -eq 0 ]] || die "must run as root (installs packages, starts daemons)"
STATE=$(abs_path "$1")
shift
BACKENDS=("$@")
[[ ${#BACKENDS[@]} -gt 0 ]] || BACKENDS=(docker libvirt moto)
for b in "${BACKENDS[@]}"; do
  case $b in docker | libvirt | moto) ;; *) usage ;; esac
done

mkdir -p "$STATE"
# libvirt's qemu runs as libvirt-qemu and must traverse to pool volumes.
chmod a+x "$STATE"
# One up/down at a time per state dir.
exec 9>"$STATE/.lock"
flock -w 600 9 || die "timed out waiting for the lock on $STATE"

# ---------------------------------------------------------------- packages

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

APT_UPDATED=0
# apt_install PKG...: install only the missing ones; `apt-get update` once.
apt_install() {
  local missing=() p created_policy=0
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  log "installing: ${missing[*]}"
  # Packages must not start their services (a stock dockerd would add the
  # 172.17 bridge and firewall rules): policy-rc.d 101 forbids it.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  # Others may hold the dpkg lock on a shared machine: wait for it.
  local aptopts=(-o DPkg::Lock::Timeout=600 -q -y)
  if [[ $APT_UPDATED -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" update >&2 || rc=$?
    APT_UPDATED=1
  fi
  if [[ $rc -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" install \
      --no-install-recommends "${missing[@]}" >&2 || rc=$?
  fi
  [[ $created_policy -eq 0 ]] || rm -f /usr/sbin/policy-rc.d
  [[ $rc -eq 0 ]] || die "apt-get install ${missing[*]} failed (rc=$rc)"
}

# ---------------------------------------------------------------- helpers

# wait_until SECONDS PIDFILE CMD...: poll CMD every 0.1 s; fail early if the
# recorded daemon died (PIDFILE may be "" when there is none to watch).
wait_until() {
  local secs=$1 pidfile=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n $pidfile ]] && ! owned_pid "$pidfile" >/dev/null; then
      return 2
    fi
    sleep 0.1
  done
  return 1
}

fail_with_log() { # MESSAGE LOGFILE
  log "$1"
  if [[ -f $2 ]]; then
    log "last lines of $2:"
    tail -n 30 "$2" >&2 || true
  fi
  exit 1
}

# spawn RECORD LOG CMD...: start CMD detached (own session, so a Ctrl-C on
# the test run does not hit it) and record its pid + start time. setsid
# execs in place here (we are not a process group leader), so $! is CMD.
# fd 9 (the state-dir lock) is closed, or the daemon would hold the lock
# for its whole life and down.sh could never take it.
spawn() {
  local record=$1 logfile=$2
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local pid=$!
  record_proc "$record" "$pid" || fail_with_log "$1 exited immediately" "$logfile"
}

write_fragment() { # BACKEND LINES...
  local f="$STATE/$1/env"
  shift
  printf 'export %s\n' "$@" >"$f.tmp"
  mv -f "$f.tmp" "$f"
}

# ---------------------------------------------------------------- docker

docker_api() { # PATH [curl args...]
  local path=$1
  shift
  curl -sS --max-time 120 --unix-socket "$DOCKER_SOCK" "$@" "http://localhost/v1.41$path"
}

docker_ping() {
  [[ $(curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping) == OK ]]
}

start_docker() {
  apt_install docker.io busybox-static curl
  local d="$STATE/docker"
  DOCKER_SOCK="$d/docker.sock"
  # Unix socket paths are limited to 107 bytes; containerd's is the longest.
  local longest="$d/exec/containerd/containerd.sock.ttrpc"
  [[ ${#longest} -le 107 ]] ||
    die "docker: STATE_DIR path too long for unix sockets (${#longest} > 107 bytes: $longest)"
  mkdir -p "$d/data" "$d/exec"

  if owned_pid "$d/dockerd.proc" >/dev/null; then
    log "docker: dockerd already running for $STATE"
  else
    # Leftovers from a previous run that was killed hard.
    rm -f "$d/dockerd.proc" "$d/dockerd.pid" "$DOCKER_SOCK"
    docker_cleanup_leftovers "$d"
    # No bridge, no iptables: nothing may touch the host network.
    spawn "$d/dockerd.proc" "$d/dockerd.log" \
      dockerd --data-root "$d/data" --exec-root "$d/exec" \
      --pidfile "$d/dockerd.pid" -H "unix://$DOCKER_SOCK" \
      --bridge=none --iptables=false --ip-masq=false --ip6tables=false
  fi
  local rc=0
  wait_until 30 "$d/dockerd.proc" docker_ping || rc=$?
  case $rc in
    0) ;;
    2) fail_with_log "docker: dockerd exited during start-up" "$d/dockerd.log" ;;
    *) fail_with_log "docker: dockerd not answering /_ping after 30 s" "$d/dockerd.log" ;;
  esac

  # No registry is reachable: build the test image from the static busybox.
  local code
  code=$(docker_api "/images/$IMAGE/json" -o /dev/null -w '%{http_code}') || true
  if [[ $code != 200 ]]; then
    [[ -x /bin/busybox ]] || die "docker: /bin/busybox missing (busybox-static)"
    local tmp
    tmp=$(mktemp -d "$d/image.XXXXXX")
    mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/tmp" "$tmp/rootfs/root" "$tmp/rootfs/etc"
    chmod 1777 "$tmp/rootfs/tmp"
    cp /bin/busybox "$tmp/rootfs/bin/busybox"
    local a
    for a in "${APPLETS[@]}"; do ln -s busybox "$tmp/rootfs/bin/$a"; done
    tar -C "$tmp/rootfs" --numeric-owner --owner=0 --group=0 -cf "$tmp/rootfs.tar" .
    # changes=CMD ["/bin/sh"], URL-encoded.
    local out
    out=$(docker_api \
      '/images/create?fromSrc=-&repo=infrakit4j/busybox&tag=latest&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D' \
      -X POST -H 'Content-Type: application/x-tar' --data-binary "@$tmp/rootfs.tar") ||
      die "docker: image import request failed"
    rm -rf "$tmp"
    if [[ $out == *'"error"'* ]]; then die "docker: image import failed: $out"; fi
    code=$(docker_api "/images/$IMAGE/json" -o /dev/null -w '%{http_code}') || true
    [[ $code == 200 ]] || die "docker: image $IMAGE missing after import"
  fi

  write_fragment docker "IK4J_DOCKER_HOST=unix://$DOCKER_SOCK" "IK4J_DOCKER_IMAGE=$IMAGE"
  SUMMARY_INFO="unix://$DOCKER_SOCK, image $IMAGE"
}

# ---------------------------------------------------------------- libvirt

# Bounded: a connection may hang while libvirtd is still starting.
virsh_ok() { timeout 10 virsh -q -c "$LIBVIRT_URI" version; }

start_libvirt() {
  local extra=()
  # libvirt-daemon-system wants -systemd or -sysv; apt picks -systemd, which
  # drags in systemd-container and a systemd upgrade. Nothing here runs
  # systemd, so on a fresh machine ask for the small sysv variant.
  if ! pkg_installed libvirt-daemon-system-systemd; then
    extra+=(libvirt-daemon-system-sysv)
  fi
  # qemu-utils (qemu-img) for qcow2 volumes, genisoimage for cloud-init seeds.
  apt_install libvirt-daemon libvirt-daemon-system "${extra[@]}" libvirt-clients \
    qemu-system-x86 qemu-utils genisoimage curl
  local d="$STATE/libvirt"
  mkdir -p "$d/pool"
  chmod a+x "$d"

  # /dev/kvm is root-only here; without group access every define waits
  # ~40 s on a KVM probe. (Guests still run as type='qemu', TCG.) What is
  # changed is recorded in the state dir; down.sh puts it back.
  if [[ -e /dev/kvm ]]; then
    [[ -f $d/kvm.saved ]] || stat -c '%g %a' /dev/kvm >"$d/kvm.saved"
    if ! getent group kvm >/dev/null; then
      groupadd --system kvm
      touch "$d/kvm-group.created"
    fi
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
  fi

  # The packaged "default" network autostarts a virbr0 bridge on
  # 192.168.122.0/24 (a private range this machine must not use). Tests
  # need no network, so keep it from autostarting while libvirtd runs for
  # this state dir: its autostart link is moved here and down.sh moves it
  # back.
  local autostart=/etc/libvirt/qemu/networks/autostart/default.xml
  if [[ -L $autostart || -e $autostart ]]; then
    [[ -L $d/default-network-autostart || -e $d/default-network-autostart ]] ||
      mv "$autostart" "$d/default-network-autostart"
    rm -f "$autostart"
  fi

  # virtlogd: qemu's console/log handler; libvirtd talks to it.
  if owned_pid "$d/virtlogd.proc" >/dev/null; then
    :
  elif running_named virtlogd; then
    log "libvirt: using a virtlogd not started by this script"
    rm -f "$d/virtlogd.proc"
  else
    rm -f "$d/virtlogd.proc" "$d/virtlogd.pid"
    spawn "$d/virtlogd.proc" "$d/virtlogd.log" virtlogd --pid-file "$d/virtlogd.pid"
  fi

  if owned_pid "$d/libvirtd.proc" >/dev/null; then
    log "libvirt: libvirtd already running for $STATE"
  elif running_named libvirtd; then
    # Only one system libvirtd can run; reuse it and never stop it.
    log "libvirt: using a libvirtd not started by this script"
    rm -f "$d/libvirtd.proc"
  else
    rm -f "$d/libvirtd.proc" "$d/libvirtd.pid"
    spawn "$d/libvirtd.proc" "$d/libvirtd.log" libvirtd --pid-file "$d/libvirtd.pid"
  fi

  local rc=0 watch=""
  [[ ! -f $d/libvirtd.proc ]] || watch="$d/libvirtd.proc"
  # First start probes QEMU's capabilities (~8 s); allow for a busy machine.
  wait_until 120 "$watch" virsh_ok || rc=$?
  case $rc in
    0) ;;
    2) fail_with_log "libvirt: libvirtd exited during start-up" "$d/libvirtd.log" ;;
    *) fail_with_log "libvirt: 'virsh -c $LIBVIRT_URI version' failed for 120 s" "$d/libvirtd.log" ;;
  esac

  # Storage pool: persistent libvirt config, so it may still point at an
  # older state dir; redefine it then.
  local v=(virsh -q -c "$LIBVIRT_URI") target=""
  if "${v[@]}" pool-info "$POOL" >/dev/null 2>&1; then
    target=$("${v[@]}" pool-dumpxml "$POOL" | sed -n 's:.*<path>\(.*\)</path>.*:\1:p')
    if [[ $target != "$d/pool" ]]; then
      log "libvirt: pool $POOL pointed at '$target', redefining"
      "${v[@]}" pool-destroy "$POOL" >/dev/null 2>&1 || true
      "${v[@]}" pool-undefine "$POOL" >/dev/null
      target=""
    fi
  fi
  if [[ -z $target ]]; then
    "${v[@]}" pool-define-as "$POOL" dir --target "$d/pool" >/dev/null
    "${v[@]}" pool-build "$POOL" >/dev/null
  fi
  # Right after a restart libvirtd may still be restoring the pool's state
  # (pool-start then says "already active"): retry until it is running.
  local i err=""
  for ((i = 0; i < 50; i++)); do
    # Capture first: `virsh | grep -q` under pipefail fails when grep exits
    # early and virsh gets SIGPIPE.
    if [[ $("${v[@]}" pool-info "$POOL" 2>/dev/null || true) =~ State:[[:space:]]+running ]]; then
      err=""
      break
    fi
    err=$("${v[@]}" pool-start "$POOL" 2>&1 >/dev/null) || true
    [[ -n $err ]] || break
    err="pool-start: $err"
    sleep 0.2
  done
  [[ -z $err ]] || die "libvirt: storage pool $POOL did not become active: $err"
  "${v[@]}" pool-refresh "$POOL" >/dev/null

  write_fragment libvirt "IK4J_LIBVIRT_URI=$LIBVIRT_URI" "IK4J_LIBVIRT_POOL=$POOL"
  SUMMARY_INFO="$LIBVIRT_URI, pool $POOL at $d/pool"
}

# ---------------------------------------------------------------- moto

find_moto_python() {
  local c
  local candidates=()
  [[ -z ${PYTHON:-} ]] || candidates+=("$PYTHON")
  candidates+=(/root/.pyenv/versions/3.11.7/bin/python)
  for c in /root/.pyenv/versions/*/bin/python; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    # find_spec instead of `import moto` (0.8 s): moto_server's start-up
    # below proves the import works. flask is needed by the server mode.
    if [[ -x $c ]] && "$c" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("moto", "flask")))' >/dev/null 2>&1; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

moto_answers() { # PORT: any HTTP answer means it listens.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/moto-api/data.json") || true
  [[ $code != 000 && -n $code ]]
}

start_moto() {
  apt_install curl
  local d="$STATE/moto" py port
  mkdir -p "$d"
  py=$(find_moto_python) ||
    die "moto: moto not installed in pyenv python (tried \$PYTHON, /root/.pyenv/versions/*/bin/python); PyPI is not reachable here"

  if owned_pid "$d/moto.proc" >/dev/null && [[ -f $d/port ]]; then
    port=$(<"$d/port")
    log "moto: already running for $STATE on port $port"
  else
    rm -f "$d/moto.proc" "$d/port"
    local server=("$py" -m moto.server)
    [[ ! -x $(dirname "$py")/moto_server ]] || server=("$(dirname "$py")/moto_server")
    local attempt
    # The free port is picked before moto binds it; retry if someone else
    # grabbed it in between.
    for attempt in 1 2 3; do
      port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
      printf '=== start on port %s (attempt %s)\n' "$port" "$attempt" >>"$d/moto.log"
      spawn "$d/moto.proc" "$d/moto.log" "${server[@]}" -H 127.0.0.1 -p "$port"
      local rc=0
      wait_until 30 "$d/moto.proc" moto_answers "$port" || rc=$?
      [[ $rc -ne 0 ]] || break
      stop_recorded "$d/moto.proc" moto 5
      [[ $rc -eq 2 ]] || fail_with_log "moto: no answer on 127.0.0.1:$port after 30 s" "$d/moto.log"
      [[ $attempt -lt 3 ]] || fail_with_log "moto: moto_server exited during start-up" "$d/moto.log"
    done
    printf '%s\n' "$port" >"$d/port"
  fi
  moto_answers "$port" || fail_with_log "moto: not answering on port $port" "$d/moto.log"

  write_fragment moto "IK4J_MOTO_ENDPOINT=http://127.0.0.1:$port"
  SUMMARY_INFO="http://127.0.0.1:$port ($py)"
}

# ---------------------------------------------------------------- main

FAILED=()
SUMMARY=()
for b in "${BACKENDS[@]}"; do
  mkdir -p "$STATE/$b"
  rm -f "$STATE/$b/env"
  t0=$(now_ms)
  # A subshell per backend: `die` ends just that backend. errexit must be
  # re-enabled inside because a subshell in a condition would ignore it.
  set +e
  (
    set -e
    SUMMARY_INFO=""
    "start_$b"
    printf '%s\n' "$SUMMARY_INFO" >"$STATE/$b/summary"
  )
  rc=$?
  set -e
  ms=$(($(now_ms) - t0))
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("$(printf '%-8s up in %6d ms  %s' "$b" "$ms" "$(<"$STATE/$b/summary")")")
  else
    rm -f "$STATE/$b/env"
    SUMMARY+=("$(printf '%-8s FAILED after %d ms (see messages above)' "$b" "$ms")")
    FAILED+=("$b")
  fi
done

# STATE_DIR/env = fragments of every backend currently up in this state dir.
shopt -s nullglob
frags=("$STATE"/*/env)
shopt -u nullglob
cat /dev/null "${frags[@]}" >"$STATE/env.tmp"
mv -f "$STATE/env.tmp" "$STATE/env"

for line in "${SUMMARY[@]}"; do printf '[backends] %s\n' "$line"; done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  printf '[backends] ERROR: backend(s) failed to start: %s (run down.sh %s to clean up)\n' \
    "${FAILED[*]}" "$STATE" >&2
  exit 1
fi
printf '[backends] env written to %s\n' "$STATE/env"
