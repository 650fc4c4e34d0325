#!/usr/bin/env python3
"""evil-tar.py KIND OUT [OUTSIDE]: writes a hostile layer tar for the unpack
tests.  OUTSIDE is an absolute host path the tar tries to reach."""
import io
import sys
import tarfile


def add_file(t, name, data=b"x", mode=0o644, pax=None):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    i.mode = mode
    if pax:
        i.pax_headers = pax
    t.addfile(i, io.BytesIO(data))


def add_link(t, name, target, kind):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.linkname = target
    t.addfile(i)


def add_dir(t, name, mode=0o755):
    i = tarfile.TarInfo(name)
    i.type = tarfile.DIRTYPE
    i.mode = mode
    t.addfile(i)


class ZeroReader:
    def __init__(self, n):
        self.n = n

    def read(self, k=-1):
        k = self.n if k < 0 else min(k, self.n)
        self.n -= k
        return bytes(k)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    outside = sys.argv[3] if len(sys.argv) > 3 else "/nonexistent"
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        if kind == "dotdot":
            add_file(t, "../../../../../../../.." + outside + "/dotdot")
        elif kind == "absolute":
            add_file(t, outside + "/absolute")
        elif kind == "symlink-parent":
            # a symlink to the outside directory, then a file through it
            add_link(t, "escape", outside, tarfile.SYMTYPE)
            add_file(t, "escape/through-symlink")
        elif kind == "symlink-relative":
            add_link(t, "up", "../../../../../../../../../..", tarfile.SYMTYPE)
            add_file(t, "up" + outside + "/through-relative")
        elif kind == "hardlink-outside":
            add_link(t, "hl", outside + "/target", tarfile.LNKTYPE)
        elif kind == "hardlink-dotdot":
            add_link(t, "hl", "../../../../../../.." + outside + "/target", tarfile.LNKTYPE)
        elif kind == "hardlink-via-symlink":
            add_link(t, "escape", outside, tarfile.SYMTYPE)
            add_link(t, "hl", "escape/target", tarfile.LNKTYPE)
        elif kind == "chmod-symlink":
            # the symlink, then a directory entry of the same name with 0777
            add_link(t, "x", outside, tarfile.SYMTYPE)
            add_dir(t, "x", 0o777)
        elif kind == "whiteout-alone":
            add_file(t, "etc/.wh.", b"")
        elif kind == "long-path":
            add_file(t, "d/" + "a/" * 2100 + "f")
        elif kind == "newline-name":
            # a refused name that would forge a second error line
            add_file(t, "../evil\nbuilder: fake second line\x1b[2J")
        elif kind == "deep-dirs":
            # 2,040 components each: the depth limit refuses them
            for i in range(10):
                add_file(t, "d%d/" % i + "a/" * 2040 + "f", b"")
        elif kind == "deep-dirs-wide":
            # within the depth limit, 25,000 directories (100 MB of them)
            for i in range(100):
                add_file(t, "d%d/" % i + "a/" * 248 + "f", b"")
        elif kind == "zeros":
            # 200 MiB of zeros, streamed (compressed by the caller)
            i = tarfile.TarInfo("zeros")
            i.size = 200 << 20
            t.addfile(i, ZeroReader(i.size))
        elif kind == "pax-bomb":
            add_file(t, "big-pax", pax={"comment": "y" * (2 << 20)})
        else:
            sys.exit("unknown kind " + kind)


main()
