#!/usr/bin/env bash
# The command line around the engine (issue 7): --version, `import oci` (its output passes
# `check`), completion scripts generated from the CLI (valid bash and zsh, naming every
# subcommand, and completing in bash), and the man pages (render, and name every subcommand and
# every long option `--help` shows).
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"

FIXTURES=$(cd "$TESTS_SRC/../fixtures" && pwd -P) || fail "no tests/fixtures directory"
# The build tree: ctest gives VICTIMS=${CMAKE_BINARY_DIR}/victims; man pages are in man/ there.
MAN_DIR=$(cd "$VICTIMS/.." && pwd -P)/man

# subcommands PATH...: the subcommands `xpledge PATH... --help` lists (CLI11's "Subcommands:").
subcommands() {
  "$XPLEDGE" "$@" --help 2>/dev/null |
    awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'
}

# long_options PATH...: the long options `xpledge PATH... --help` lists, but --help/--version.
long_options() {
  "$XPLEDGE" "$@" --help 2>/dev/null | grep -Eo -- '--[a-z][a-z0-9-]*' |
    grep -Evx -- '--help|--version' | sort -u
}

# --- --version -----------------------------------------------------------------------------------
xp_cmd --version
assert_exit 0
assert_line "$T/out" "xpledge 0.1.0"

# --- check: how unknown syscalls are treated, and whether the kernel is ahead (issue 23) ---------
xp_cmd check
assert_exit 0
assert_contains "$T/out" '^unknown syscalls: deny \(errno ENOSYS, logged once per number\); named: libseccomp [0-9.]+ \+ Linux [0-9.]+ supplement$'
assert_contains "$T/out" '^kernel: tables named by libseccomp [0-9.]+ \+ the Linux [0-9.]+ supplement; the running kernel implements '
printf 'version: 1\ndefault: deny\nunknown: allow\n' >"$T/unknown-allow.yaml"
xp_cmd check "$T/unknown-allow.yaml"
assert_exit 0
assert_contains "$T/out" '^unknown syscalls: allow \(unknown: allow\)'
printf 'version: 1\ndefault: deny\nunknown: sometimes\n' >"$T/unknown-bad.yaml"
xp_cmd check "$T/unknown-bad.yaml"
assert_exit 125
assert_contains "$T/err" "unknown-bad.yaml:3:10: error: 'unknown' must be allow or deny; got 'sometimes'"

# Every subcommand, with its own subcommands ("import oci").
all=()
for s in $(subcommands); do
  all+=("$s")
  for t in $(subcommands "$s"); do all+=("$s $t"); done
done
[ ${#all[@]} -ge 4 ] || fail "xpledge --help lists too few subcommands: ${all[*]}"
note "subcommands: ${all[*]}"

# --- import oci --------------------------------------------------------------------------------
note "import oci"
xp_cmd import oci "$FIXTURES/oci/small.json"
assert_exit 0
cp "$T/out" "$T/oci.yaml"
assert_contains "$T/oci.yaml" '^version: 1$'
assert_contains "$T/err" '^xpledge: warning: .*SCMP_ACT_NOTIFY'
xp_cmd check "$T/oci.yaml"
assert_exit 0
assert_contains "$T/out" 'clone3, errno ENOSYS'
assert_contains "$T/out" 'personality if arg0 eq 0'
# A name the tables cannot map in a rule that denies: nothing is imported (fail closed).
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mseal", "frobnicate_at"], "action": "SCMP_ACT_ERRNO"}]}\n' >"$T/deny-unknown.json"
xp_cmd import oci "$T/deny-unknown.json"
assert_exit 125
assert_contains "$T/err" "deny-unknown.json:1:70: error: syscalls\\[0\\] \\(mseal, ...\\): 'frobnicate_at' is not a system call on x86_64, i386 or x32 that this build knows"
assert_contains "$T/err" "^xpledge: 1 error in .*deny-unknown.json; nothing imported$"
[ ! -s "$T/out" ] || fail "import oci wrote a policy although it failed"
# Issue 20: a misspelt action, op, capability or call fails the import with its position and a
# hint (dropping the rule would leave `default: allow`), and so does JSON a runtime refuses.
cat >"$T/typos.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["ptrace"], "action": "SCMP_ACT_ERRNOO"},
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMN"]}},
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQQ"}]},
    {"names": ["chmdo"], "action": "SCMP_ACT_ERRNO"}
  ]
}
JSON
xp_cmd import oci "$T/typos.json"
assert_exit 125
assert_empty "$T/out"
cat >"$T/typos.want" <<EOF
$T/typos.json:4:37: error: syscalls[0] (ptrace): unknown action 'SCMP_ACT_ERRNOO' (did you mean 'SCMP_ACT_ERRNO'?)
$T/typos.json:5:76: error: syscalls[1] (mount): includes: unknown capability 'CAP_SYS_ADMN' (did you mean 'CAP_SYS_ADMIN'?)
$T/typos.json:6:100: error: syscalls[2] (personality): unknown op 'SCMP_CMP_EQQ' (did you mean 'SCMP_CMP_EQ'?)
$T/typos.json:7:16: error: syscalls[3] (chmdo): unknown system call 'chmdo' (did you mean 'chmod'?)
xpledge: 4 errors in $T/typos.json; nothing imported
EOF
diff -u "$T/typos.want" "$T/err" >&2 || fail "import oci: not the errors expected for typos.json"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},]}\n' >"$T/comma.json"
xp_cmd import oci "$T/comma.json"
assert_exit 125
assert_empty "$T/out"
assert_contains "$T/err" "comma.json:1:97: error: not strict JSON: trailing comma before '\\]'$"
xp_cmd import oci --caps CAP_NET_ADMIN,sys_admn "$FIXTURES/oci/small.json"
assert_exit 125
assert_empty "$T/out"
assert_line "$T/err" "xpledge: error: --caps: unknown capability 'sys_admn' (did you mean 'CAP_SYS_ADMIN'?)"
xp_cmd import oci --caps CAP_SYS_ADMIN "$FIXTURES/oci/small.json"
assert_exit 0
assert_contains "$T/out" '^  - mount$'
xp_cmd import oci "$T/no-such-profile.json"
assert_exit 125
assert_contains "$T/err" '^xpledge: error: .*no-such-profile\.json'

# --- completion ------------------------------------------------------------------------------
note "completion bash"
xp_cmd completion bash
assert_exit 0
cp "$T/out" "$T/xpledge.bash"
bash -n "$T/xpledge.bash" || fail "the bash completion script has a syntax error"
for s in "${all[@]}"; do
  assert_contains "$T/xpledge.bash" "${s##* }"
done
# It completes: subcommands, and a long option of run.
cat >"$T/complete.sh" <<'EOF'
. "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_xpledge
printf '%s\n' "${COMPREPLY[@]}"
EOF
bash "$T/complete.sh" "$T/xpledge.bash" xpledge ru >"$T/words" 2>&1
assert_line "$T/words" run
bash "$T/complete.sh" "$T/xpledge.bash" xpledge run --no-secc >"$T/words" 2>&1
assert_line "$T/words" --no-seccomp

note "completion zsh"
xp_cmd completion zsh
assert_exit 0
cp "$T/out" "$T/_xpledge"
assert_contains "$T/_xpledge" '^#compdef xpledge$'
for s in "${all[@]}"; do
  assert_contains "$T/_xpledge" "'${s##* }:"
done
if command -v zsh >/dev/null 2>&1; then
  zsh -n "$T/_xpledge" || fail "the zsh completion script has a syntax error"
else
  echo "SKIP: [$TEST_NAME] zsh -n: zsh is not installed, the zsh script's syntax is unchecked" >&2
fi

note "completion fish"
xp_cmd completion fish
assert_exit 0
cp "$T/out" "$T/xpledge.fish"
for s in "${all[@]}"; do
  assert_contains "$T/xpledge.fish" "-a '${s##* }' -d "
done
for o in $(long_options run); do
  assert_contains "$T/xpledge.fish" "__xpledge_at \\\\'run\\\\''.* -l ${o#--}( |$)"
done
if command -v fish >/dev/null 2>&1; then
  fish -n "$T/xpledge.fish" || fail "the fish completion script has a syntax error"
else
  echo "SKIP: [$TEST_NAME] fish -n: fish is not installed, the fish script's syntax is unchecked" >&2
fi
xp_cmd completion tcsh
assert_exit 125

# --- man pages ------------------------------------------------------------------------------------
# render FILE: the page as plain text on stdout, or exit 2 if nothing here can render it.
render() {
  if command -v man >/dev/null 2>&1; then
    MANWIDTH=200 man -l "$1" 2>/dev/null | sed 's/.\x08//g'
  elif command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -P-cbu -rLL=200n "$1" 2>/dev/null
  else
    return 2
  fi
}

if [ ! -s "$MAN_DIR/xpledge.1" ]; then
  echo "SKIP: [$TEST_NAME] man pages: $MAN_DIR/xpledge.1 was not built (scdoc missing at configure time?)" >&2
elif ! command -v man >/dev/null 2>&1 && ! command -v groff >/dev/null 2>&1; then
  echo "SKIP: [$TEST_NAME] man pages: neither man nor groff is installed to render them" >&2
else
  note "man pages"
  for page in xpledge.1 xpledge.yaml.5 xpledge.3; do
    render "$MAN_DIR/$page" >"$T/$page.txt"
    assert_contains "$T/$page.txt" '^NAME'
    assert_contains "$T/$page.txt" '^SEE ALSO'
  done
  for s in "${all[@]}"; do
    assert_contains "$T/xpledge.1.txt" "xpledge $s"
    for o in $(long_options $s); do
      assert_contains "$T/xpledge.1.txt" "(^|[ ,])$o([ ,]|$)"
    done
  done
  for section in 'EXIT STATUS' 'LOG FORMAT' 'ENVIRONMENT' 'FILES'; do
    assert_contains "$T/xpledge.1.txt" "^$section"
  done
  assert_contains "$T/xpledge.yaml.5.txt" 'Path conditions'
  assert_contains "$T/xpledge.3.txt" 'xpledge_supported'
fi
