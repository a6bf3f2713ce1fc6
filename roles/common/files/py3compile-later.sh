#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# py3compile as the maintainer scripts of Stackhouse's apt transactions find it
# (installer/tasks/packages.ts puts this folder first in DPkg::Path; no other apt run
# does). Each python3 package's postinst byte-compiles its own modules, one package
# after another on one core: here the call is only written down, and the transaction
# compiles every package it wrote down at once, on every core, once apt is done.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=${STACKHOUSE_PY3COMPILE_LIST:-/var/lib/stackhouse/py3compile.list}

# The real one: the next py3compile on PATH after this folder.
real() {
  rest=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF -- "$here" | paste -sd:)
  PATH=$rest exec py3compile "$@"
}

# Only calls the later run can replay word by word (package names, options, paths):
# anything else runs now.
[ "$#" -gt 0 ] || real "$@"
for arg in "$@"; do
  case $arg in
    '' | *[!A-Za-z0-9._+:/=,-]*) real "$@" ;;
  esac
done
mkdir -p -- "$(dirname -- "$list")"
printf '%s\n' "$*" >>"$list"
