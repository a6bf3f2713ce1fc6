#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# An OSD on a whole device by ceph-volume (LVM), which also enables the
# ceph-volume@ unit that activates the OSD at boot. Step ceph.osd of
# roles/ceph/bootstrap.ts runs it on hosts with backends.ceph.osd_device.
# Real servers only: LVM needs device-mapper.
#
# Usage: ceph-osd-device DEVICE
set -eu

if [ $# -ne 1 ]; then
  echo 'usage: ceph-osd-device DEVICE' >&2
  exit 2
fi
# A device prepared before (a deploy stopped halfway) is activated, not made again.
if ceph-volume lvm list "$1" >/dev/null 2>&1; then
  exec ceph-volume lvm activate --all
fi
exec ceph-volume lvm create --bluestore --data "$1"
