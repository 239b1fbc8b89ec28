#!/usr/bin/env bash
# Issue 2 / 13b: under an allow-all policy, python3 with threads and subprocesses writes the
# same bytes and exits with the same status as without xpledge.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_cmd python3
python3 -c 'import threading, subprocess' 2>/dev/null || skip "python3 cannot import threading/subprocess"

cat >"$T/prog.py" <<'PY'
import subprocess
import sys
import threading

results = [0] * 8
def work(i):
    results[i] = sum(j * j for j in range(20000 + i))
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("results", results)
child = subprocess.run([sys.executable, "-c", "import sys; print('child out'); sys.stderr.write('child err\\n'); sys.exit(4)"],
                       capture_output=True, text=True)
print("child said", repr(child.stdout), repr(child.stderr), child.returncode)
sys.stdout.flush()
subprocess.run(["sh", "-c", "echo from sh; echo sh err >&2"])
sys.stderr.write("parent err\n")
sys.exit(5)
PY
native python3 "$T/prog.py"
[ "$nrc" -eq 5 ] || fail "the python program fails natively (exit $nrc): $(cat "$T/nerr")"
XP_TIMEOUT=30
xp -p "$POLICIES/allow_all.yaml" -- python3 "$T/prog.py"
assert_same_as_native
exit 0
