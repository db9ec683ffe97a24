#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `mpirun -n 2 ksmsim sweep` (two ranks, --oversubscribe on a small machine)
# writes the same CSV and plot bytes as the local sweep on one thread
# (docs/sweep.md). Five points, so the ranks get 3 and 2.
# usage: test_sweep_mpi.sh KSMSIM MPIRUN SOURCE_DIR
set -euo pipefail
ksmsim=$1 mpirun=$2 src=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(sweep "$src/scenarios/workloads/kvm-host.yaml" --set params.guests=2 --set params.zero=16
      --set params.os=32 --set params.private=16 --grid ksm.pages_to_scan=10,20,50,100,1000
      --grid ksm.sleep_millisecs=20 --quiet)
"$ksmsim" "${args[@]}" --jobs 1 --out "$dir/local.csv" --plot "$dir/local.svg"
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
"$mpirun" -n 2 --oversubscribe "${root[@]}" "$ksmsim" "${args[@]}" --out "$dir/mpi.csv" \
  --plot "$dir/mpi.svg"
[ "$(wc -l <"$dir/mpi.csv")" -eq 6 ] || { echo "FAIL: mpi.csv has not 5 rows"; cat "$dir/mpi.csv"; exit 1; }
cmp "$dir/local.csv" "$dir/mpi.csv" || { diff "$dir/local.csv" "$dir/mpi.csv"; exit 1; }
cmp "$dir/local.svg" "$dir/mpi.svg"
echo "ok: mpirun -n 2 gives the local CSV and plot"
