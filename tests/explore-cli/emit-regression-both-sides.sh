#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ksmsim explore --emit-regression on every scenario of DIR: each emitted
# file passes `ksmsim run --strict` on its own (failing) profile and on the
# fixed profile its header names; the files are the same with --jobs 1.
# Usage: emit-regression-both-sides.sh KSMSIM DIR
set -u
ksmsim=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for scn in "$dir"/*.yaml; do
  out="$tmp/$(basename "$scn" .yaml)"
  "$ksmsim" explore "$scn" --emit-regression "$out" >"$tmp/log"
  rc=$?
  if [ $rc -gt 1 ]; then echo "explore $scn: exit $rc"; cat "$tmp/log"; exit 1; fi
  if grep -q "does not pass as written" "$tmp/log"; then cat "$tmp/log"; exit 1; fi
  if [ -e "explore-findings" ]; then echo "explore wrote explore-findings/ without --out"; exit 1; fi
  for f in "$out"/*.yaml; do
    if [ ! -e "$f" ]; then echo "$scn: no regression emitted"; exit 1; fi
    if ! "$ksmsim" run "$f" --strict --quiet; then echo "failing side fails: $f"; cat "$f"; exit 1; fi
    fixed=$(sed -n "s/^# Fixed on '\(.*\)': .*/\1/p" "$f")
    if [ -z "$fixed" ]; then echo "$f names no fixed profile"; cat "$f"; exit 1; fi
    if ! "$ksmsim" run "$f" --strict --quiet --kernel "$fixed"; then
      echo "fixed side ($fixed) fails: $f"; cat "$f"; exit 1
    fi
    n=$((n + 1))
  done
  "$ksmsim" explore "$scn" --emit-regression "$out.jobs1" --jobs 1 >/dev/null
  if ! diff -r "$out" "$out.jobs1"; then echo "$scn: --jobs changed the files"; exit 1; fi
done
echo "$n regression files pass on both sides"
[ $n -gt 0 ]
