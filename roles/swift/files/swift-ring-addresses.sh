#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Moves the devices of Swift's rings to their hosts' new addresses when the ring
# plan changed in those addresses only (a host was re-addressed): `set_info`
# changes a device's address in place, so no partition moves. swift-rings
# (roles/swift/files/swift-rings.sh) runs it on the host that builds the rings.
#
# Usage: swift-ring-addresses OLD-PLAN NEW-PLAN
# Exits 3, changing nothing, when the plans differ in anything else.
set -eu
old=$1
new=$2
# The plan's `add` lines, one per device: builder, address, port, device, weight.
adds() { sed -nE 's#^swift-ring-builder ([^ ]+) add r[0-9]+z[0-9]+-([0-9.]+):([0-9]+)/([^ ]+) ([0-9.]+)$#\1 \2 \3 \4 \5#p' -- "$1"; }
# The plan with the address of every `add` line blanked: equal shapes differ in addresses only.
shape() { sed -E 's#^(swift-ring-builder [^ ]+ add r[0-9]+z[0-9]+-)[0-9.]+:#\1:#' -- "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
shape "$old" >"$tmp/old.shape"
shape "$new" >"$tmp/new.shape"
cmp -s "$tmp/old.shape" "$tmp/new.shape" || exit 3
adds "$old" >"$tmp/old.adds"
adds "$new" >"$tmp/new.adds"
[ "$(wc -l <"$tmp/old.adds")" -eq "$(wc -l <"$tmp/new.adds")" ] || exit 3
found() { swift-ring-builder "$1" search --ip "$2" --port "$3" --device "$4" >/dev/null 2>&1; }
paste -d' ' "$tmp/old.adds" "$tmp/new.adds" | while read -r builder from port device _weight _builder to _rest; do
  [ "$from" = "$to" ] && continue
  # Moved by an earlier run that stopped before the plan was recorded: nothing left to move.
  if found "$builder" "$to" "$port" "$device" && ! found "$builder" "$from" "$port" "$device"; then continue; fi
  echo "$builder: $device at $from:$port moves to $to:$port"
  swift-ring-builder "$builder" set_info --ip "$from" --port "$port" --device "$device" \
    --change-ip "$to" --change-replication-ip "$to" --yes
done
for builder in $(adds "$new" | cut -d' ' -f1 | sort -u); do
  # write_ring exits 1 when the ring has warnings (few hosts), after writing it.
  swift-ring-builder "$builder" write_ring || [ $? -eq 1 ]
done
