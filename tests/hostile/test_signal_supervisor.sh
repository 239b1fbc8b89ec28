#!/usr/bin/env bash
# Issue 6 / 2: signals aimed at the supervisor by pid are refused with EPERM and logged
# (guard:signal-supervisor) whatever the policy allows: kill SIGTERM/SIGSTOP/SIGKILL, tkill,
# tgkill (as tgid and as tid), rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open; and tkill/tgkill
# of any other thread the supervisor has. The run is watched: a supervisor seen stopped fails.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
names=(kill-SIGTERM kill-SIGSTOP kill-SIGKILL tkill-SIGKILL tgkill-SIGKILL tgkill-tid-SIGKILL
       rt_sigqueueinfo-SIGKILL rt_tgsigqueueinfo-SIGKILL pidfd_open)

for policy in "$POLICIES/allow_all.yaml" ""; do
  hx_watch ${policy:+-p "$policy"} -- "$A/signal_supervisor"
  assert_not_stopped
  assert_held
  assert_ok "${names[@]}"
  for call in kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open; do
    assert_logged "deny pid=[0-9]+ comm=signal_supervis $call\\(.* = -1 EPERM rule=guard:signal-supervisor$"
  done
  assert_count "$T/err" '^xpledge: deny .* rule=guard:signal-supervisor$' \
    $((${#names[@]} + 2 * $(sed -n 's/^supervisor threads besides the main one: //p' "$T/out")))
done

# The thread that made the child is gone before the command's first instruction. It used to
# linger now and then (1 run in 20) while the program ran: a second supervisor thread the guard
# did not know, which tkill could stop where Landlock does not scope signals. A race: 20 tries.
note "the supervisor has one thread while the command runs"
for _ in $(seq 20); do
  hx -p "$POLICIES/allow_all.yaml" -- "$A/signal_supervisor"
  assert_held
  assert_line "$T/out" 'supervisor threads besides the main one: 0'
done
exit 0
