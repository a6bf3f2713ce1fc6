#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The monitor host's part of Ceph's bootstrap (roles/ceph/bootstrap.ts runs each
# command as one guarded step): the monitor's store, its address after the host
# was re-addressed, and the manager's key.
#
# Usage: ceph-mon mkfs NAME ADDRS      the store of mon.NAME from a one-monitor monmap
#                                      (fsid in $CEPH_FSID) and /etc/ceph/ceph.mon.keyring
#        ceph-mon address NAME ADDRS   mon.NAME's monmap entry moved to ADDRS
#        ceph-mon mgr-key NAME         mgr.NAME's key, then ceph-mgr@NAME restarted
# ADDRS is the monitor's address vector, [v2:192.0.2.5:3300,v1:192.0.2.5:6789].
set -eu

monmap=/var/lib/ceph/tmp/stackhouse-monmap
# As ceph, like the daemon (--setuser ceph), so the store stays ceph's.
as_ceph() { runuser -u ceph -- "$@"; }
# Which addresses the store's monmap holds (written by Stackhouse).
stamp() { echo "/var/lib/ceph/mon/ceph-$1/stackhouse-addrs"; }

mkfs() {
  name=$1 addrs=$2 dir=/var/lib/ceph/mon/ceph-$1
  : "${CEPH_FSID:?the cluster fsid is passed in CEPH_FSID}"
  monmaptool --create --clobber --addv "$name" "$addrs" --fsid "$CEPH_FSID" -- "$monmap"
  chown ceph:ceph -- "$monmap"
  install -d -o ceph -g ceph -m 0750 -- "$dir"
  as_ceph ceph-mon --mkfs -i "$name" --monmap "$monmap" --keyring /etc/ceph/ceph.mon.keyring
  rm -f -- "$monmap"
  echo "$addrs" >"$(stamp "$name")"
}

# A monitor binds to its address in its own monmap, so after the host was
# re-addressed (an appliance moved, a lease changed) it cannot start until the map
# says the new one: the map is extracted from the store, this monitor's entry
# replaced, and injected back (Ceph's way for monitors that all moved at once).
# NOTE: several monitors move one at a time (add the new, remove the old) while the
# others keep quorum; this is the one-monitor case Stackhouse makes.
address() {
  name=$1 addrs=$2 unit="ceph-mon@$1.service"
  # A store made before the stamp existed is asked once, and only moved if it is wrong.
  # `ceph mon dump` writes each address with its nonce: v2:192.0.2.5:3300/0.
  v2=${addrs#\[}
  v2=${v2%%,*}
  if [ ! -e "$(stamp "$name")" ] && timeout 30 ceph mon dump 2>/dev/null | grep -qF -- "$v2/"; then
    echo "$addrs" >"$(stamp "$name")"
    return 0
  fi
  systemctl stop -- "$unit"
  as_ceph ceph-mon -i "$name" --extract-monmap "$monmap"
  monmaptool --rm "$name" -- "$monmap"
  monmaptool --addv "$name" "$addrs" -- "$monmap"
  as_ceph ceph-mon -i "$name" --inject-monmap "$monmap"
  rm -f -- "$monmap"
  echo "$addrs" >"$(stamp "$name")"
  # It may have failed often enough, at the old address, for systemd to stop trying.
  systemctl reset-failed -- "$unit" || true
  systemctl start -- "$unit"
}

# ceph-mgr@ was started without its key (it fails until the key exists), so it is
# restarted once the monitor made one.
mgr_key() {
  name=$1 dir=/var/lib/ceph/mgr/ceph-$1 unit="ceph-mgr@$1.service"
  umask 077
  install -d -o ceph -g ceph -m 0750 -- "$dir"
  ceph auth get-or-create "mgr.$name" mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o "$dir/keyring"
  chown ceph:ceph -- "$dir/keyring"
  systemctl reset-failed -- "$unit" || true
  systemctl restart -- "$unit"
}

case "${1-}:$#" in
  mkfs:3) mkfs "$2" "$3" ;;
  address:3) address "$2" "$3" ;;
  mgr-key:2) mgr_key "$2" ;;
  *) echo 'usage: ceph-mon mkfs NAME ADDRS | address NAME ADDRS | mgr-key NAME' >&2; exit 2 ;;
esac
