#!/usr/bin/env bash
# Review 3 (clone3 judged as clone, issue 16): namespaces past a pledge. CLONE_NEWTIME is in
# clone's exit-signal byte, so only clone3 can ask for it, and no promise names it: under
# pledge "stdio proc" clone3(CLONE_NEWTIME) makes a child in a new time namespace
# (unshare(CLONE_NEWTIME) is refused). "stdio" lets threads through with any namespace flag but
# CLONE_NEWNS: a clone3 thread with CLONE_NEWNET|NEWUTS|NEWIPC|NEWTIME gets a new network
# namespace (the same rule judges clone(2)). Needs CAP_SYS_ADMIN: root, under allow_all.yaml
# (the default policy's clone rule refuses CLONE_NEW*). Now every CLONE_NEW* flag, CLONE_NEWTIME
# included, is in the "none" lists of the clone entries of promises.yaml.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (CAP_SYS_ADMIN) to make a namespace"

hx -p "$POLICIES/allow_all.yaml" -- "$A/pledge_clone3_ns"
assert_held
assert_ok proc-newtime thread-newns
exit 0
