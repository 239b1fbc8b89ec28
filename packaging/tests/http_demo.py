#!/usr/bin/env python3
"""packaging.http_demo: the worked example of docs/systemd.md does what the document says.

Under packaging/examples/http-demo.yaml, `python3 -m http.server --bind 127.0.0.1` serves a
page and stops on SIGTERM with a status the unit counts as success; the same policy refuses a
program start and a file write (what a compromised server would try). The deny lines are printed
so the document can quote real ones. Exit 77 = skipped.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

XPLEDGE = os.environ["XPLEDGE"]
POLICY = os.path.join(os.environ["PKG_SRC"], "examples", "http-demo.yaml")
UNIT = os.path.join(os.environ["PKG_BUILD"], "systemd", "xpledge@.service")
WORK = os.path.join(os.environ["WORK"], "http_demo")
# The interpreter the example's unit runs. Not whatever python3 is first on PATH: a wrapper
# script (pyenv) would exec the real interpreter, and the policy refuses every exec.
PYTHON = "/usr/bin/python3"
TIMEOUT = 20


def note(msg):
    print(f"[http_demo] {msg}", file=sys.stderr, flush=True)


def fail(msg):
    print(f"FAIL [http_demo]: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def skip(msg):
    print(f"SKIP [http_demo]: {msg}", file=sys.stderr, flush=True)
    sys.exit(77)


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def success_statuses():
    with open(UNIT) as f:
        for line in f:
            if line.startswith("SuccessExitStatus="):
                return {int(w) for w in line.split("=", 1)[1].split()}
    fail(f"{UNIT} has no SuccessExitStatus=")


def deny_lines(err):
    return [l for l in err.splitlines() if l.startswith("xpledge: deny ")]


def main():
    if not is_elf(PYTHON):
        skip(f"{PYTHON} is not an ELF interpreter here")
    r = subprocess.run([XPLEDGE, "run", "--", "/bin/true"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    if r.returncode == 125 and "ptrace" in r.stderr.lower():
        skip(f"xpledge cannot trace here: {r.stderr.strip()}")
    www = os.path.join(WORK, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<p>served under xpledge</p>\n")

    # The server, as xpledge@http-demo.service starts it (another port and directory).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [XPLEDGE, "run", "--policy", POLICY, "--", PYTHON, "-m", "http.server",
           "--bind", "127.0.0.1", "--directory", www, str(port)]
    server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    body = None
    deadline = time.monotonic() + TIMEOUT
    try:
        while body is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html",
                                            timeout=5) as resp:
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.1)
        os.kill(server.pid, signal.SIGTERM)  # systemctl stop, KillMode=mixed
        out, err = server.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        out, err = server.communicate()
        fail(f"the server did not stop within {TIMEOUT}s of SIGTERM: {err.decode()!r}")
    err = err.decode()
    if body != "<p>served under xpledge</p>\n":
        fail(f"no page from the server under the policy (status {server.returncode}): {err!r}")
    if server.returncode not in success_statuses():
        fail(f"status after SIGTERM is {server.returncode}, not in the unit's SuccessExitStatus=")
    note(f"served index.html; stopped by SIGTERM with status {server.returncode}")
    for line in deny_lines(err):
        note(f"server: {line}")

    # What a compromised server would try, under the same policy.
    probe = ("import os, sys\n"
             "rc = os.system('/bin/true')\n"
             "print('exec=' + ('allowed' if rc == 0 else 'blocked'))\n"
             "try:\n"
             "    open(sys.argv[1] + '/planted.html', 'w')\n"
             "    print('write=allowed')\n"
             "except PermissionError:\n"
             "    print('write=blocked')\n"
             "print('read=' + open(sys.argv[1] + '/index.html').read().strip())\n")
    r = subprocess.run([XPLEDGE, "run", "--policy", POLICY, "--", PYTHON, "-c", probe, www],
                       capture_output=True, text=True, timeout=TIMEOUT)
    want = ["exec=blocked", "write=blocked", "read=<p>served under xpledge</p>"]
    if r.returncode != 0 or r.stdout.splitlines() != want:
        fail(f"containment probe: status {r.returncode}, {r.stdout!r}, {r.stderr!r}")
    if os.path.exists(os.path.join(www, "planted.html")):
        fail("the probe created a file")
    denials = deny_lines(r.stderr)
    wanted = [re.compile(r'.* (vfork|clone|clone3|execve)\(.*= -1 E[A-Z]+ rule=.*'),
              re.compile(r'.* openat\(AT_FDCWD, "' + re.escape(www) + r'/planted.html", .*O_CREAT.*'
                         r' = -1 EPERM rule=.*')]
    for w in wanted:
        if not any(w.fullmatch(l) for l in denials):
            fail(f"no deny line like /{w.pattern}/ in {denials}")
    note(f"probe: {r.stdout.splitlines()}")
    for line in denials:
        note(f"probe: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
