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

# --- docker: dockerd stops its containers on TERM (up to ~15 s each batch).
d="$STATE/docker"
if [[ -d $d ]]; then
  stop_recorded "$d/dockerd.proc" dockerd 45
  docker_cleanup_leftovers "$d"
  rm -f "$d/env" "$d/summary" "$d/docker.sock" "$d/dockerd.pid"
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
    xml=$("${v[@]}" pool-dumpxml infrakit4j 2>/dev/null || true)
    if [[ $xml == *"<path>$d/pool</path>"* ]]; then
      "${v[@]}" pool-destroy infrakit4j >/dev/null 2>&1 || true
      "${v[@]}" pool-undefine infrakit4j >/dev/null 2>&1 || true
    fi
  fi
  stop_recorded "$d/libvirtd.proc" libvirtd 30
  stop_recorded "$d/virtlogd.proc" virtlogd 10
  rm -f "$d/env" "$d/summary"
  # Put back what up.sh changed outside the state dir: the default
  # network's autostart link, /dev/kvm's group and mode, the kvm group.
  autostart=/etc/libvirt/qemu/networks/autostart/default.xml
  if [[ -L $d/default-network-autostart || -e $d/default-network-autostart ]]; then
    if [[ -L $autostart || -e $autostart ]]; then
      rm -f "$d/default-network-autostart"
    else
      mv "$d/default-network-autostart" "$autostart"
    fi
  fi
  if [[ -f $d/kvm.saved && -e /dev/kvm ]]; then
    read -r gid mode <"$d/kvm.saved"
    chgrp "$gid" /dev/kvm && chmod "$mode" /dev/kvm && rm -f "$d/kvm.saved"
  fi
  if [[ -f $d/kvm-group.created ]]; then
    groupdel kvm 2>/dev/null || log "libvirt: could not remove the kvm group it added"
    rm -f "$d/kvm-group.created"
  fi
fi

# --- moto
d="$STATE/moto"
if [[ -d $d ]]; then
  stop_recorded "$d/moto.proc" moto 10
  rm -f "$d/env" "$d/summary" "$d/port"
fi

# Nothing is up any more in this state dir.
: >"$STATE/env"
log "all backends in $STATE stopped"
