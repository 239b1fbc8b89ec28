# shellcheck shell=bash
# Helpers of the packaging tests. ctest sets the layout variables (packaging/tests/CMakeLists.txt):
#   XPLEDGE FAKE_SERVICE OUTER_FILTER   binaries of this build
#   PKG_SRC PKG_BUILD PROJECT_SRC PROJECT_BUILD WORK CPACK_CONFIG VERSION
#   PREFIX BINDIR LIBDIR INCLUDEDIR DATADIR DOCDIR CONFDIR UNITDIR   where the package puts things
# A test exits 0 (pass), 77 (skipped, with the reason on stderr) or anything else (fail).
set -u
set -o pipefail

TEST_NAME=$(basename "$0" .sh)
for v in XPLEDGE FAKE_SERVICE PKG_SRC PKG_BUILD WORK VERSION PREFIX BINDIR LIBDIR INCLUDEDIR \
         DATADIR DOCDIR CONFDIR UNITDIR; do
  [ -n "${!v:-}" ] || { echo "FAIL [$TEST_NAME]: $v is not set (run through ctest)" >&2; exit 1; }
done

# The unpacked package (packaging.deb makes it; the other package tests require that fixture).
ROOT=$WORK/deb/root

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  exit 1
}

skip() {
  echo "SKIP [$TEST_NAME]: $*" >&2
  exit 77
}

note() { echo "[$TEST_NAME] $*" >&2; }

# show FILE...: print files to stderr (context for a failure that follows).
show() {
  local f
  for f in "$@"; do
    echo "--- $f" >&2
    head -c 6000 "$f" >&2
  done
  echo "---" >&2
}

# run_to OUT ERR CMD...: run CMD with a timeout, stdout/stderr to files; status -> $rc.
run_to() {
  local out=$1 err=$2
  shift 2
  timeout -k 5 60 "$@" >"$out" 2>"$err" </dev/null
  rc=$?
  [ "$rc" -ne 124 ] || { show "$out" "$err"; fail "timed out: $*"; }
}

# re_escape STRING: STRING with extended-regex metacharacters escaped.
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || fail "'$c' is not installed (scripts/install-deps installs it)"
  done
}

need_package() {
  [ -d "$ROOT$BINDIR" ] || fail "the unpacked package is missing ($ROOT): run packaging.deb first"
}

# need_ptrace XPLEDGE: skip when this environment cannot trace at all (container without
# CAP_SYS_PTRACE, Yama ptrace_scope 3, an outer tracer): xpledge then fails with 125.
need_ptrace() {
  local err
  err=$(timeout -k 5 20 "$1" run -- /bin/true 2>&1 >/dev/null)
  local st=$?
  if [ "$st" -eq 125 ] && grep -qi 'ptrace' <<<"$err"; then
    skip "xpledge cannot trace here: $err"
  fi
  [ "$st" -eq 0 ] || fail "'$1 run -- /bin/true' exited $st: $err"
}
