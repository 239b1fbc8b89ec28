#!/usr/bin/env bash
# An io_uring made before the process narrows itself (attacks/uring_sqpoll.c): with SQPOLL its
# kernel thread opens whatever the program writes into ring memory, with no system call for the
# supervisor to judge. The policy allows io_uring_* by name (the guard refuses them otherwise).
# Natively the ring opens DIR/hidden in every variant; under xpledge the first hiding xunveil()
# and an xpledge() with promises fail with EBUSY while the process holds a ring by descriptor, by
# mapping alone, or only by its SQ thread (rings in its own memory, registered, descriptor
# closed), and work once the ring is gone.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
disabled=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
[ "$disabled" = 0 ] || skip "io_uring is disabled here (kernel.io_uring_disabled=$disabled)"
mkdir -p "$T/open"
echo secret >"$T/hidden"

for v in fd mapped nommap; do
  native "$A/uring_sqpoll" "$T" native "$v"
  grep -q "^ok $v: " "$T/nout" ||
    skip "io_uring SQPOLL cannot run the attack here ($v, exit $nrc): $(cat "$T/nout" "$T/nerr")"
done

for mode in unveil pledge; do
  call=xunveil
  [ "$mode" = pledge ] && call=xpledge
  for v in fd mapped nommap closed; do
    hx -p "$POLICIES/unveil_unseen.yaml" -- "$A/uring_sqpoll" "$T" "$mode" "$v"
    note "$mode $v: $(cat "$T/out")"
    assert_held
    assert_ok "$v"
    if [ "$v" = closed ]; then
      assert_not_contains "$T/err" "EBUSY"
    else
      assert_logged "deny pid=[0-9]+ comm=uring_sqpoll $call\\(.* = -1 EBUSY rule=$call"
    fi
  done
done
exit 0
