#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds Swift's account, container and object rings from the ring plan (the
# swift-ring-builder commands that roles/swift renders into PLAN), then records the
# plan in BUILT. Step swift.rings of roles/swift/rings.ts runs it on the host that
# builds the rings, when the rings are missing or the plan changed.
#
# A ring that exists is never rebuilt: that would move every partition of a running
# cluster. A plan that changed only in hosts' addresses moves those devices in place
# (swift-ring-addresses); any other change stops with what to do instead (exit 3).
#
# Usage: swift-rings PLAN BUILT   (the rings are beside PLAN, in /etc/swift)
set -eu
[ $# -eq 2 ] || { echo 'usage: swift-rings PLAN BUILT' >&2; exit 2; }
plan=$1
built=$2
here=$(dirname -- "$0")
rings=$(dirname -- "$plan")

present() {
  for t in account container object; do [ -s "$rings/$t.ring.gz" ] || return 1; done
}

if present; then
  rc=0
  "$here/swift-ring-addresses" "$built" "$plan" || rc=$?
  if [ $rc -eq 0 ]; then cp -- "$plan" "$built"; exit 0; fi
  if [ $rc -eq 3 ]; then
    echo "the Swift ring plan $plan changed since the rings were built, and rebuilding would move every partition:" \
      "change the rings with swift-ring-builder (add, set_weight, rebalance), then cp $plan $built" >&2
  fi
  exit $rc
fi

# The plan's lines are commands Stackhouse rendered with every argument quoted;
# nothing but swift-ring-builder runs from it, and nothing runs if any line is another.
commands() { grep -v -e '^#' -e '^$' -- "$plan"; }
if commands | grep -v -q '^swift-ring-builder '; then
  echo "not a swift-ring-builder command in $plan: $(commands | grep -v -m 1 '^swift-ring-builder ')" >&2
  exit 2
fi
commands | while IFS= read -r line; do
  case $line in
    # rebalance exits 1 for a warning (e.g. dispersion on few hosts) after saving the ring.
    *' rebalance') sh -c "$line" || [ $? -eq 1 ] ;;
    *) sh -c "$line" ;;
  esac
done
present || { echo "the commands in $plan did not make the three rings in $rings" >&2; exit 1; }
cp -- "$plan" "$built"
