#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# An OSD whose data is a sparse file <osd dir>/block that `ceph-osd --mkfs` creates
# (ceph.conf's bluestore block create/size), with no LVM or device: the probe's
# "long form" (/work/shared/reference/ceph-probe.md). Step ceph.osd of
# roles/ceph/bootstrap.ts runs it on hosts without backends.ceph.osd_device.
#
# Usage: ceph-osd-file exists   exit 0 when an OSD directory is complete and its unit enabled
#        ceph-osd-file create   make the OSD, then enable and start ceph-osd@<id>
set -eu

# NOTE: the OSD's uuid and key are kept in a root-only file before `ceph osd new`,
# so a retry after a failure gets the same OSD id back instead of leaving one behind.
state=/var/lib/ceph/osd/stackhouse-osd.env

exists() {
  for d in /var/lib/ceph/osd/ceph-*; do
    # --mkfs writes `ready` last.
    [ -f "$d/ready" ] && systemctl is-enabled --quiet "ceph-osd@$(cat "$d/whoami")" && return 0
  done
  return 1
}

create() {
  if [ ! -s "$state" ]; then
    (umask 077; printf 'OSD_UUID=%s\nOSD_SECRET=%s\n' "$(cat /proc/sys/kernel/random/uuid)" "$(ceph-authtool --gen-print-key)" > "$state")
  fi
  # shellcheck source=/dev/null
  . "$state"
  # The key travels on stdin and through printf (a shell builtin), never in argv.
  id=$(printf '{"cephx_secret": "%s"}' "$OSD_SECRET" | ceph osd new "$OSD_UUID" -i -)
  dir=/var/lib/ceph/osd/ceph-$id
  install -d -o ceph -g ceph -m 0750 "$dir"
  (umask 077; printf '[osd.%s]\n\tkey = %s\n' "$id" "$OSD_SECRET" > "$dir/keyring")
  chown -R ceph:ceph "$dir"
  ceph-osd -i "$id" --mkfs --osd-uuid "$OSD_UUID" --setuser ceph --setgroup ceph
  # NOTE: the unit's name holds the id the monitor gave just now, so the role cannot
  # list it among its units. Enabled, it is wanted by ceph-osd.target (a role unit),
  # which starts it at boot.
  systemctl enable --now "ceph-osd@$id.service"
}

case "${1-}" in
  exists) exists ;;
  create) create ;;
  *) echo 'usage: ceph-osd-file exists|create' >&2; exit 2 ;;
esac
