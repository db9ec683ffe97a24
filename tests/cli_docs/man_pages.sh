#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every page in docs/man formats without a warning (man --warnings) and has
# a NAME line that lexgrog (mandb's parser) reads. Exit 77 (skipped) when
# man or lexgrog is missing (Debian's man-db).
# usage: man_pages.sh SOURCE_DIR
set -uo pipefail
src=$1
for tool in man lexgrog; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is missing (install Debian's man-db)"
    exit 77
  fi
done
status=0
shopt -s nullglob
pages=("$src"/docs/man/*.1)
[ ${#pages[@]} -gt 0 ] || { echo "no pages in $src/docs/man"; exit 1; }
for page in "${pages[@]}"; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  if [ -n "$warnings" ]; then
    echo "$page: man --warnings:"
    echo "$warnings"
    status=1
  fi
  if ! out=$(lexgrog "$page" 2>&1) || [[ $out != *": \""*" - "* ]]; then
    echo "$page: lexgrog: $out"
    status=1
  fi
done
[ $status -eq 0 ] && echo "${#pages[@]} pages: no warnings"
exit $status
