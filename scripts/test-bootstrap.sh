#!/usr/bin/env bash
# `source scripts/bootstrap.sh` must leave the user's shell as it was, except PATH: the README has
# people source it in their interactive shell, where a leaked `set -e` closes the terminal at the
# next command that exits non-zero (`wif plan --exit-code` exits 3). Run by scripts/test.sh.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
failed=0

# An interactive shell (`-i`, no rc files) with its default options, and a script shell that has
# chosen some options of its own: both keep exactly what they had.
check() {
  local label="$1" flags="$2"
  local got
  got="$(bash --norc --noprofile $flags -c '
    before="$-|$(set -o | tr -s " \t" " ")|$(shopt | tr -s " \t" " ")"
    source "$1/scripts/bootstrap.sh" >/dev/null 2>&1
    rc=$?
    after="$-|$(set -o | tr -s " \t" " ")|$(shopt | tr -s " \t" " ")"
    if [ "$rc" -ne 0 ]; then echo "bootstrap returned $rc"; fi
    if [ "$before" != "$after" ]; then
      diff <(tr "|" "\n" <<<"$before" | tr " " "\n") <(tr "|" "\n" <<<"$after" | tr " " "\n") | grep "^[<>]" | tr "\n" " "
      echo
    fi
    case ":$PATH:" in *":$1/tools/bootstrap/node_modules/.bin:"*) ;; *) echo "PATH lacks tools/bootstrap";; esac
    command -v pnpm >/dev/null || echo "pnpm not on PATH"
    false   # a failing command must not end this shell
    echo "still here"
  ' bash "$root" 2>/dev/null)"
  if [ "$got" = "still here" ]; then
    echo "ok: $label: options unchanged, PATH set, shell survives a failing command"
  else
    echo "FAILED: $label: $got"
    failed=1
  fi
}
check "interactive shell (bash -i)" "-i"
check "shell with set -u" "-u"
check "plain shell" ""

# A failure inside bootstrap is reported and returned, and still leaves the options alone.
got="$(bash --norc --noprofile -i -c '
  before="$-"
  PATH=/nonexistent-bin-dir source "$1/scripts/bootstrap.sh" >/dev/null 2>&1
  rc=$?
  echo "rc=$rc same=$([ "$before" = "$-" ] && echo yes || echo no)"
' bash "$root" 2>/dev/null)"
case "$got" in
  "rc=0 same=yes") echo "FAILED: bootstrap with no npm on PATH returned 0"; failed=1 ;;
  rc=*" same=yes") echo "ok: a failing bootstrap returns its status ($got) and leaves the options alone" ;;
  *) echo "FAILED: failing bootstrap: $got"; failed=1 ;;
esac
exit "$failed"
