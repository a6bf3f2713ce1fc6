#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Managed by Stackhouse (roles/nova): libvirt's qemu hook on a compute host whose Open
# vSwitch runs the userspace datapath (no openvswitch kernel module, e.g. a sandbox host).
# NOTE: libvirt adds a server's tap to br-int and then sets it up; ovs-vswitchd, busy
# rebuilding br-int (os-vif resets its datapath type at each plug, as Zed's ML2/OVN does
# not pass it on), may then write the tap's flags from before, down. The server runs
# with its tap down and no traffic. For half a minute after the server starts, its taps
# are set up again; setting an up link up changes nothing. (An interface attached to a
# running server is not covered: libvirt runs no `started` hook for it.)
# Arguments: domain name, operation, sub-operation; the domain's XML on stdin.
if [ "$1" = --keep-up ]; then
  shift
  i=0
  while [ $i -lt 60 ]; do
    for t in "$@"; do ip link set dev "$t" up 2>/dev/null; done
    sleep 0.5
    i=$((i + 1))
  done
  exit 0
fi
[ "$2" = started ] || exit 0
set -f # tap names are split into words below, never globbed
taps=$(sed -n "s/.*<target dev='\(tap[^']*\)'.*/\1/p")
[ -n "$taps" ] || exit 0
# In the background, in a session of its own: libvirt waits for the hook before it goes on.
# shellcheck disable=SC2086 # one argument per tap name
setsid "$0" --keep-up $taps </dev/null >/dev/null 2>&1 &
exit 0
