#!/usr/bin/env bash
# Issue 6 / 5: TIOCSTI and TIOCLINUX are denied (EUCLEAN, logged) with or without junk in the
# upper half of the command register (CVE-2019-10063), and the pre-filter compiles the rule into
# the kernel: with seccomp the 1000 allowed ioctls never stop (--stats counts only the 4 denied
# ones); with --no-seccomp every ioctl stops and is judged the same.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx --stats -p "$POLICIES/ioctl_tiocsti.yaml" -- "$A/ioctl_upper_bits" EUCLEAN 1000
assert_held
assert_ok TIOCSTI TIOCSTI-upper TIOCLINUX-upper TIOCSTI-top-bit TCGETS-allowed
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=ioctl_upper_bit.* ioctl\(.* = -1 EUCLEAN rule=deny\[0\]@' 4
case " $XPLEDGE_RUN_FLAGS " in
  *" --no-seccomp "*) stops=1004 ;;
  *) stops=4 ;;
esac
assert_contains "$T/err" "^xpledge: +$stops +4 +0 +0  ioctl$"
exit 0
