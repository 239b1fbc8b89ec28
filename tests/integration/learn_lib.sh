# shellcheck shell=bash
# Helpers of the learn tests (test_learn*.sh), after lib.sh.

# path_miss PATH: PATH does not exist and its directory is one of $PATH's: a search along
# $PATH, which learn drops from the policy (refused with EACCES, which the search goes past).
path_miss() {
  [ ! -e "$1" ] && [[ ":$PATH:" == *":$(dirname "$1"):"* ]]
}

# refusals FILE OUT: the deny, kill, would-deny and would-kill lines of FILE, but those of a
# $PATH miss learn dropped, in OUT.
refusals() {
  local line p
  : >"$2"
  while IFS= read -r line; do
    p=$(sed -nE 's/^[^"]*"([^"]*)".*/\1/p' <<<"$line")
    if [ -n "$p" ] && path_miss "$p" && [[ "$line" == *"EACCES"* ]]; then continue; fi
    printf '%s\n' "$line" >>"$2"
  done < <(grep -E '^xpledge: (would )?(deny|kill) ' "$1")
}

# landlock_decides_opens POLICY: in this engine mode, openat under POLICY runs without a stop,
# decided by the tracee's Landlock domain (xpledge check says so, and the pre-filter exists).
landlock_decides_opens() {
  [[ " ${XPLEDGE_RUN_FLAGS:-} " != *" --no-seccomp "* ]] || return 1
  "$XPLEDGE" check "$1" 2>/dev/null | grep -q '^  openat (x86_64): decided by the kernel'
}

# learn_to FILE CMD...: `xpledge learn -o $T/FILE -- CMD...` (no run flags: learn stops at every
# call), its output in $T/out and $T/err, its status in $rc.
learn_to() {
  local file=$1
  shift
  XP_LAST_CMD="xpledge learn -o $file -- $*"
  timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o "$T/$file" -- "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
}
