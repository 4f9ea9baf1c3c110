"""Runs a command in a pseudo-terminal, as a user's terminal would. Its screen output is kept in
$PTY_LOG. On SIGUSR1 it types Ctrl-C into the terminal (twice, 0.5 s apart, the way a user quits
Codex's TUI). Exits with the command's exit code (128+n if signal n ended it)."""
import os, pty, select, signal, sys, time

pid, fd = pty.fork()
if pid == 0:
    os.environ.setdefault("TERM", "xterm-256color")
    os.execvp(sys.argv[1], sys.argv[1:])

log = open(os.environ.get("PTY_LOG", os.devnull), "wb")
interrupts = []
signal.signal(signal.SIGUSR1, lambda *_: interrupts.append(time.time()))
sent = 0
status = None
while status is None:
    if interrupts and sent < 2 and time.time() >= interrupts[0] + sent * 0.5:
        os.write(fd, b"\x03")
        sent += 1
    try:
        ready, _, _ = select.select([fd], [], [], 0.1)
    except InterruptedError:
        ready = []
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if data:
            log.write(data)
            log.flush()
            # Answer the terminal queries a TUI sends at start (cursor position, device attributes).
            if b"\x1b[6n" in data:
                os.write(fd, b"\x1b[1;1R")
            if b"\x1b[c" in data:
                os.write(fd, b"\x1b[?1;2c")
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
