#!/usr/bin/env python3
"""Runs a command on a new pty of a given size, as a terminal session
would (its own session, the pty as controlling terminal and stdio), and
copies everything it prints to our stdout.

  pty-run.py ROWS COLS [--on TEXT NEWROWS NEWCOLS SEND] -- COMMAND...

With --on: once TEXT has appeared in the output, the pty is resized to
NEWROWS x NEWCOLS (which sends SIGWINCH to the command, as a terminal
emulator does) and SEND plus a newline is typed.  Exits with the
command's exit status; after 60 s the command is killed (status 124)."""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main(argv):
    sep = argv.index("--")
    opts, cmd = argv[:sep], argv[sep + 1:]
    rows, cols = int(opts[0]), int(opts[1])
    on = None
    if len(opts) > 2:
        if opts[2] != "--on" or len(opts) != 7:
            sys.exit("usage: pty-run.py ROWS COLS [--on TEXT NEWROWS NEWCOLS SEND] -- COMMAND...")
        on = (opts[3].encode(), int(opts[4]), int(opts[5]), opts[6].encode() + b"\n")
    master, slave = os.openpty()
    set_size(master, rows, cols)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.execvp(cmd[0], cmd)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    status = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.exit(124)
        r, _, _ = select.select([master], [], [], min(left, 0.2))
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: no process holds the pty any more
                data = b""
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            seen += data
            if on and on[0] in seen:
                set_size(master, on[1], on[2])
                os.write(master, on[3])
                on = None
        elif status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
    if status is None:
        _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main(sys.argv[1:])
