#!/usr/bin/env bash
# Issue 2 / 10: `int $0x80` from a 64-bit process is an i386 call, checked against the i386
# table (eax=5 is i386 open, not x86-64 fstat). With `abis: [x86_64, i386]` and open denied it
# gets -EUCLEAN and the log shows `[i386] open`; with the default ABIs (x86_64 only) it is denied
# as well; and denying x86-64 fstat (also nr 5) must not touch the i386 open.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
V=$VICTIMS
f=$T/existing-file
echo data >"$f"

# Does this kernel run i386 calls at all (CONFIG_IA32_EMULATION, ia32_emulation=)? Ask natively.
native "$V/int80_open" "$f"
if [ "$nrc" -eq $((128 + 11)) ]; then
  skip "int \$0x80 kills the process natively (SIGSEGV): no IA32 emulation in this kernel"
fi
[ "$nrc" -eq 0 ] || fail "int80_open failed natively (exit $nrc): $(cat "$T/nerr")"
nret=$(field "$T/nout" ret)
[ "$nret" != -38 ] || skip "int \$0x80 returns -ENOSYS natively: IA32 emulation is disabled"
[ "$nret" -ge 0 ] 2>/dev/null || fail "int80 open of an existing file failed natively: ret=$nret"

EUCLEAN=117

# i386 allowed, open denied -> deny[0], logged as [i386] open
POL=$POLICIES/deny_open_i386.yaml
pos=$(rule_pos "$POL" open) || exit 1
xp -p "$POL" -- "$V/int80_open" "$f"
assert_exit 0
pid=$(field "$T/out" pid)
assert_line "$T/out" "pid=$pid int80 open ret=-$EUCLEAN"
assert_contains "$T/err" \
  "^xpledge: deny pid=$pid comm=int80_open \\[i386\\] open\\($(re_escape "\"$f\""), [^)]*\\) = -1 EUCLEAN rule=deny\\[0\\]@$(re_escape "$POL:$pos")\$"
assert_lines "$T/err" 1

# default ABIs: i386 is not allowed, so the call is denied whatever the lists say
POL=$POLICIES/deny_open_x86_64_only.yaml
xp -p "$POL" -- "$V/int80_open" "$f"
assert_exit 0
pid=$(field "$T/out" pid)
assert_line "$T/out" "pid=$pid int80 open ret=-$EUCLEAN"
assert_contains "$T/err" "^xpledge: deny pid=$pid comm=int80_open \\[i386\\] open\\(.* = -1 EUCLEAN rule="
assert_lines "$T/err" 1
# ... also under a policy that allows every x86-64 call
xp -p "$POLICIES/allow_all.yaml" -- "$V/int80_open" "$f"
assert_exit 0
pid=$(field "$T/out" pid)
assert_contains "$T/out" "^pid=$pid int80 open ret=-[0-9]+$"
assert_contains "$T/err" "^xpledge: deny pid=$pid comm=int80_open \\[i386\\] open\\("
assert_lines "$T/err" 1

# i386 allowed, x86-64 fstat (nr 5) denied: the i386 open (nr 5) is not fstat and succeeds
xp -p "$POLICIES/deny_fstat_i386.yaml" -- "$V/int80_open" "$f"
assert_exit 0
ret=$(field "$T/out" ret)
[ "$ret" -ge 0 ] 2>/dev/null || fail "i386 open judged as x86-64 fstat: ret=$ret"
assert_empty "$T/err"
exit 0
