#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The bash completion (tools/completion/ksmsim), sourced into this shell and
# called as bash would on Tab, on the ksmsim built alongside: commands,
# options, kernel profiles, option values, files.
# usage: completion.sh SOURCE_DIR KSMSIM_BINARY [--with-bash-completion]
# With --with-bash-completion, Debian's bash-completion is loaded first (its
# _filedir then completes the files); exit 77 (skipped) when it is missing.
set -uo pipefail
src=$1
PATH=$(dirname "$2"):$PATH
if [ "${3-}" = --with-bash-completion ]; then
  framework=/usr/share/bash-completion/bash_completion
  [ -r "$framework" ] || { echo "skipped: $framework is missing (Debian's bash-completion)"; exit 77; }
  set +u # bash-completion is not written for set -u
  # shellcheck source=/dev/null
  source "$framework"
  declare -F _filedir >/dev/null || { echo "FAIL: no _filedir in $framework"; exit 1; }
fi
# shellcheck source=../../tools/completion/ksmsim
source "$src/tools/completion/ksmsim" || exit 1
failed=0

# complete WORD... : COMPREPLY for the line of these words, the cursor at
# the end of the last one (an empty last word: after a space). LINE, when
# set, is the line as typed (bash splits "--check=p" into three words).
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=${LINE:-"$*"}
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _ksmsim
}

# expect "WHAT" WANTED... : COMPREPLY (sorted) must be exactly these.
expect() {
  local what=$1
  shift
  local got want
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
  want=$(printf '%s\n' "$@" | sort)
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what"
    echo "  wanted: $(echo "$want" | tr '\n' ' ')"
    echo "  got:    $(echo "$got" | tr '\n' ' ')"
    failed=1
  else
    echo "ok: $what"
  fi
}

# [[ ]] on COMPREPLY holding one word.
holds() {
  local w
  for w in "${COMPREPLY[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

complete -p ksmsim >/dev/null || { echo "FAIL: no 'complete' for ksmsim"; failed=1; }

complete_words ksmsim r
expect "ksmsim r<TAB>" run report record

complete_words ksmsim run --ch
expect "ksmsim run --ch<TAB>" --check

complete_words ksmsim run --kernel ""
mapfile -t kernels < <(ksmsim --list-kernels | sed 's/  .*//')
want=()
for k in "${kernels[@]}"; do printf -v k '%q' "$k"; want+=("$k"); done
expect "ksmsim run --kernel <TAB>" "${want[@]}"
holds 'v3.9' || { echo "FAIL: v3.9 not offered"; failed=1; }
holds 'v3.9\ without\ stale-stable-sweep' || { echo "FAIL: a 'without' profile not offered"; failed=1; }

complete_words ksmsim run --kernel 'v3.9\ without\ unmerge-s'
expect "ksmsim run --kernel v3.9\\ without\\ unmerge-s<TAB>" 'v3.9\ without\ unmerge-swapin-copy'

complete_words ksmsim run --check ""
expect "ksmsim run --check <TAB>" step page off

LINE="ksmsim run --check=p" complete_words ksmsim run --check = p
expect "ksmsim run --check=p<TAB>" page

complete_words ksmsim report --kernel v3.9 -o ""
[ ${#COMPREPLY[@]} -gt 0 ] || { echo "FAIL: report -o <TAB> offers no files"; failed=1; }

cd "$src" || exit 1
complete_words ksmsim run scenarios/basics/merge-two
expect "ksmsim run scenarios/basics/merge-two<TAB>" scenarios/basics/merge-two-processes.yaml

complete_words ksmsim explore --out too
expect "ksmsim explore --out too<TAB> (directories)" tools

complete_words ksmsim diff --tasks --ma
expect "ksmsim diff --tasks --ma<TAB>" --marks

complete_words ksmsim help st
expect "ksmsim help st<TAB>" step

complete_words ksmsim --list-k
expect "ksmsim --list-k<TAB>" --list-kernels

exit $failed
