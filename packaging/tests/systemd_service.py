#!/usr/bin/env python3
"""packaging.systemd_service: xpledge as the main process of a service, seen from systemd.

systemd is not needed: the test does what the service manager does with the main process and
checks what the manager would see.
  * Stop and reload (KillMode=mixed): SIGTERM, then SIGCONT, or SIGHUP to xpledge only. The
    service's handler must run; xpledge exits with the service's own status, or 128+N when the
    service dies of signal N. Statuses are compared with SuccessExitStatus= and
    RestartPreventExitStatus= of the shipped unit.
  * Type=notify: READY=1 sent by the traced service reaches $NOTIFY_SOCKET (path and abstract),
    from the service's pid, not xpledge's (hence NotifyAccess=all).
  * Socket activation: fd 3 and LISTEN_FDS pass through; LISTEN_PID/WATCHDOG_PID naming xpledge
    are rewritten to the service's pid, others are left alone.
  * Journal: with $JOURNAL_STREAM matching stderr, a denial is a "<4>"-prefixed line without
    colour or timestamp.
Every case runs in both engine modes (seccomp pre-filter, --no-seccomp). Exit 77 = skipped.
"""
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

XPLEDGE = os.environ["XPLEDGE"]
SERVICE = os.environ["FAKE_SERVICE"]
UNIT = os.path.join(os.environ["PKG_BUILD"], "systemd", "xpledge@.service")
WORK = os.path.join(os.environ["WORK"], "systemd_service")
TIMEOUT = 20
MODES = [[], ["--no-seccomp"]]
RUN_DIR = WORK
failures = []


def note(msg):
    print(f"[systemd_service] {msg}", file=sys.stderr, flush=True)


def fail(msg):
    failures.append(msg)
    print(f"FAIL [systemd_service]: {msg}", file=sys.stderr, flush=True)


def unit_statuses(key):
    """The statuses a unit setting lists (SuccessExitStatus=129 130 ... -> {129, 130, ...})."""
    with open(UNIT) as f:
        for line in f:
            if line.startswith(key + "="):
                return {int(w) for w in line.split("=", 1)[1].split() if w.isdigit()}
    raise SystemExit(f"FAIL [systemd_service]: {UNIT} has no {key}=")


def xpledge_cmd(mode, *args, policy=None):
    cmd = [XPLEDGE, "run", *mode]
    if policy:
        cmd += ["--policy", policy]
    return cmd + ["--", *args]


def default_signals():
    # A service starts with default dispositions; ctest or a shell may have ignored SIGINT.
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def start(cmd, env=None, pass_fds=()):
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, pass_fds=pass_fds,
                            preexec_fn=default_signals)


def read_line(proc, timeout=TIMEOUT):
    """One line of the service's stdout, or None after `timeout` seconds. Reads byte by byte
    from the descriptor, so that communicate() later sees everything after the line."""
    fd, line = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        chunk = os.read(fd, 1) if ready else b""
        if not chunk:
            return None
        line += chunk
    return line.decode().rstrip("\n")


def finish(proc, timeout=TIMEOUT):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, out.decode(), err.decode()
    return proc.returncode, out.decode(), err.decode()


def require_ptrace():
    r = subprocess.run([XPLEDGE, "run", "--", "/bin/true"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    if r.returncode == 125 and "ptrace" in r.stderr.lower():
        print(f"SKIP [systemd_service]: xpledge cannot trace here: {r.stderr.strip()}",
              file=sys.stderr)
        sys.exit(77)
    if r.returncode != 0:
        raise SystemExit(f"FAIL [systemd_service]: xpledge run -- /bin/true: {r.returncode} "
                         f"{r.stderr}")


# --- stop and reload -------------------------------------------------------------------------
def signal_case(mode, handler_code, signals, expect_lines, expect_status, what):
    """Start `fake_service wait handler_code`, send `signals` to xpledge (as systemd does to the
    main PID), then compare the service's output and xpledge's status."""
    proc = start(xpledge_cmd(mode, SERVICE, "wait", handler_code))
    if read_line(proc) != "ready":
        proc.kill()
        status, out, err = finish(proc)
        fail(f"{what} {mode}: the service did not start: {out!r} {err!r}")
        return None
    for sig in signals:
        os.kill(proc.pid, sig)
        time.sleep(0.05)  # separate deliveries, as a person or systemd would
    status, out, err = finish(proc)
    lines = ["ready"] + out.splitlines()
    if status is None:
        fail(f"{what} {mode}: xpledge did not exit within {TIMEOUT}s after "
             f"{[signal.Signals(s).name for s in signals]}; service printed {lines}")
    elif lines != expect_lines or status != expect_status:
        fail(f"{what} {mode}: expected {expect_lines} and status {expect_status}, got {lines} "
             f"and status {status}; stderr: {err.strip()!r}")
    else:
        note(f"{what} {mode or '(seccomp)'}: {lines[1:]} status {status}")
    return status


def test_signals(mode, success, prevent):
    stop = [signal.SIGTERM, signal.SIGCONT]  # systemd follows the stop signal with SIGCONT
    # The service handles SIGTERM and exits 0: a clean stop.
    signal_case(mode, "0", stop, ["ready", "caught SIGTERM"], 0, "stop, handler exits 0")
    # ... or with its own code, which xpledge passes on unchanged.
    signal_case(mode, "42", stop, ["ready", "caught SIGTERM"], 42, "stop, handler exits 42")
    # The service keeps SIGTERM's default action: it dies of it and xpledge exits 143, which the
    # unit must count as success (systemd would if there were no xpledge in between).
    st = signal_case(mode, "default", stop, ["ready"], 143, "stop, default action")
    if st is not None and st not in success:
        fail(f"status {st} after a stop is not in SuccessExitStatus={sorted(success)}")
    # A reload (ExecReload=kill -HUP $MAINPID) and SIGUSR1 reach the service, which goes on;
    # then SIGINT with the default action: 130.
    st = signal_case(mode, "default", [signal.SIGHUP, signal.SIGUSR1, signal.SIGINT],
                     ["ready", "caught SIGHUP", "caught SIGUSR1"], 130, "reload, then SIGINT")
    if st is not None and st not in success:
        fail(f"status {st} (SIGINT) is not in SuccessExitStatus={sorted(success)}")


def test_own_failures(mode, prevent):
    """125/126/127 are xpledge's and the command's start failures: the unit must not restart."""
    with tempfile.TemporaryDirectory(dir=RUN_DIR) as d:
        bad = os.path.join(d, "bad.yaml")
        with open(bad, "w") as f:
            f.write("version: 1\ndefault: allow\nallow: [no_such_syscall]\n")
        noexec = os.path.join(d, "noexec")
        with open(noexec, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(noexec, 0o644)
        cases = [(xpledge_cmd(mode, "/bin/true", policy=bad), 125, "bad policy"),
                 (xpledge_cmd(mode, noexec), 126, "command not executable"),
                 (xpledge_cmd(mode, os.path.join(d, "missing")), 127, "command not found")]
        for cmd, want, what in cases:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
            if r.returncode != want:
                fail(f"{what} {mode}: status {r.returncode}, expected {want}: {r.stderr.strip()}")
            elif want not in prevent:
                fail(f"{what}: status {want} is not in RestartPreventExitStatus={sorted(prevent)}")


# --- Type=notify -----------------------------------------------------------------------------
def test_notify(mode, abstract):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    if abstract:
        name = f"xpledge-test-notify-{os.getpid()}-{len(mode)}"
        listener.bind("\0" + name)
        notify_socket = "@" + name
    else:
        notify_socket = os.path.join(RUN_DIR, f"notify-{len(mode)}")
        listener.bind(notify_socket)
    what = f"NOTIFY_SOCKET={'@abstract' if abstract else 'path'} {mode or '(seccomp)'}"
    env = dict(os.environ, NOTIFY_SOCKET=notify_socket)
    proc = start(xpledge_cmd(mode, SERVICE, "notify", "READY=1\nSTATUS=serving"), env=env)
    status, out, err = finish(proc)
    ready, _, _ = select.select([listener], [], [], 2)
    if status != 0 or out.strip() != "sent":
        fail(f"{what}: the service could not notify: status {status}, {out!r} {err!r}")
    elif not ready:
        fail(f"{what}: nothing arrived on NOTIFY_SOCKET")
    else:
        msg, anc, _, _ = listener.recvmsg(4096, socket.CMSG_SPACE(12))
        creds = [struct.unpack("3i", data[:12]) for level, kind, data in anc
                 if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS]
        sender = creds[0][0] if creds else None
        if msg != b"READY=1\nSTATUS=serving":
            fail(f"{what}: received {msg!r}")
        elif sender is None or sender == proc.pid:
            # The sender is the traced service, never xpledge (the main PID): this is why the
            # unit needs NotifyAccess=all.
            fail(f"{what}: sender pid {sender}, xpledge was {proc.pid}")
        else:
            note(f"{what}: READY=1 from pid {sender} (xpledge, the main PID, is {proc.pid})")
    listener.close()


# --- socket activation -----------------------------------------------------------------------
def env_lines(out):
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def as_main_pid(cmd):
    """cmd run by a shell that first sets LISTEN_PID and WATCHDOG_PID to its own pid, which the
    exec'd xpledge keeps: what systemd does for the main process."""
    return ["/bin/sh", "-c",
            'LISTEN_PID=$$ WATCHDOG_PID=$$ WATCHDOG_USEC=30000000 exec "$@"', "sh", *cmd]


def test_socket_activation(mode):
    what = f"socket activation {mode or '(seccomp)'}"
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    fd = server.fileno()
    # The listening socket becomes fd 3 of the main process, as systemd passes it.
    move = "" if fd == 3 else f"exec 3<&{fd} {fd}<&-; "
    cmd = ["/bin/sh", "-c", move + 'exec "$@"', "sh",
           *as_main_pid(xpledge_cmd(mode, SERVICE, "listen"))]
    proc = start(cmd, env=dict(os.environ, LISTEN_FDS="1"), pass_fds=(fd,))
    server.close()
    reply = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as c:
            while chunk := c.recv(100):
                reply += chunk
    except OSError as e:
        fail(f"{what}: connecting to the passed socket: {e}")
    status, out, err = finish(proc)
    m = re.fullmatch(rb"hello from pid (\d+)\n", reply)
    if status != 0 or not m:
        fail(f"{what}: status {status}, reply {reply!r}, service said {out!r}, stderr {err!r}")
        return
    service_pid = int(m.group(1))
    if service_pid == proc.pid:
        fail(f"{what}: the answer came from pid {service_pid}, which is not a traced child")
    # WATCHDOG_PID and an unrelated LISTEN_PID: the env mode prints what the service sees.
    proc = start(as_main_pid(xpledge_cmd(mode, SERVICE, "env")))
    status, out, err = finish(proc)
    seen = env_lines(out)
    if status != 0 or seen.get("WATCHDOG_PID") != seen.get("pid") or \
            seen.get("LISTEN_PID") != seen.get("pid"):
        fail(f"{what}: LISTEN_PID/WATCHDOG_PID not rewritten to the service's pid: {seen}")
    proc = start(xpledge_cmd(mode, SERVICE, "env"),
                 env=dict(os.environ, LISTEN_PID="1", WATCHDOG_PID="1"))
    status, out, err = finish(proc)
    seen = env_lines(out)
    if status != 0 or seen.get("LISTEN_PID") != "1" or seen.get("WATCHDOG_PID") != "1":
        fail(f"{what}: LISTEN_PID/WATCHDOG_PID naming another process were changed: {seen}")
    if not failures:
        note(f"{what}: the service (pid {service_pid}) accepted on fd 3; LISTEN_PID and "
             f"WATCHDOG_PID follow it")


# --- journal ---------------------------------------------------------------------------------
def test_journal(mode):
    what = f"journal stream {mode or '(seccomp)'}"
    target = "/xpledge-journal-test-does-not-exist"
    cmd = xpledge_cmd(mode, SERVICE, "umount", target)
    with tempfile.TemporaryFile(dir=RUN_DIR) as errf:
        st = os.fstat(errf.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}", TERM="xterm")
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errf,
                           env=env, timeout=TIMEOUT)
        errf.seek(0)
        err = errf.read().decode()
    lines = [l for l in err.splitlines() if "deny" in l]
    want = re.compile(r'<4>xpledge: deny pid=\d+ comm=fake_service umount2\("' +
                      re.escape(target) + r'", .*\) = -1 EPERM rule=\S+')
    if r.returncode != 0 or len(lines) != 1 or not want.fullmatch(lines[0]):
        fail(f"{what}: expected one '<4>xpledge: deny ...' line, got status {r.returncode}, "
             f"{err!r}")
    elif "\x1b" in err:
        fail(f"{what}: colour escapes in journal output: {err!r}")
    else:
        note(f"{what}: {lines[0]}")
    # Not the journal (JOURNAL_STREAM names another file): no prefix.
    env = dict(os.environ, JOURNAL_STREAM="1:1")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    if not r.stderr.startswith("xpledge: deny "):
        fail(f"{what}: JOURNAL_STREAM naming another file changed the output: {r.stderr!r}")


def main():
    global RUN_DIR
    os.makedirs(WORK, exist_ok=True)
    RUN_DIR = tempfile.mkdtemp(prefix="run-", dir=WORK)  # this run's sockets and files
    require_ptrace()
    success = unit_statuses("SuccessExitStatus")
    prevent = unit_statuses("RestartPreventExitStatus")
    for mode in MODES:
        test_signals(mode, success, prevent)
        test_own_failures(mode, prevent)
        test_notify(mode, abstract=False)
        test_notify(mode, abstract=True)
        test_socket_activation(mode)
        test_journal(mode)
    if failures:
        print(f"FAIL [systemd_service]: {len(failures)} failure(s); files in {RUN_DIR}",
              file=sys.stderr)
        return 1
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
