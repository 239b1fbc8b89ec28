#!/usr/bin/env python3
# pty_job.py LOG STOPS -- CMD...: runs CMD as the foreground job (its own process group) of a new
# session whose controlling terminal is a new pty, as an interactive shell would. The pty's output
# goes to LOG. Each time CMD stops (WUNTRACED), its stop signal is appended to STOPS, the terminal
# is given back to its group and the group is continued. Exits with CMD's status.
import os, pty, signal, sys, time
log, stops, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
pid, master = pty.fork()
if pid == 0:
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    xp = os.fork()
    if xp == 0:
        os.setpgid(0, 0)
        os.tcsetpgrp(0, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execvp(cmd[0], cmd)
    try: os.setpgid(xp, xp)
    except OSError: pass
    try: os.tcsetpgrp(0, xp)
    except OSError: pass
    deadline = time.time() + 60
    while True:
        p, st = os.waitpid(xp, os.WUNTRACED)
        if os.WIFSTOPPED(st):
            with open(stops, "a") as f: f.write("stopped by signal %d\n" % os.WSTOPSIG(st))
            time.sleep(0.5)
            try: os.tcsetpgrp(0, xp)
            except OSError: pass
            os.killpg(xp, signal.SIGCONT)
            continue
        os._exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
with open(log, "wb") as f:
    while True:
        try: d = os.read(master, 4096)
        except OSError: break
        if not d: break
        f.write(d)
_, st = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 1)
