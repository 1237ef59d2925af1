#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad driver packages for tests/test-drvpkg-refuses-bad-packages.sh, written
# with python3's tarfile and zipfile (and byte patches where a header must
# lie): bad-packages.py OUTDIR [NAME...] writes OUTDIR/NAME for each case
# (all of them without NAMEs).
import io, os, struct, sys, tarfile, zipfile, zlib

MIB = 1 << 20

def tar(path, members, mode="w"):
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as t:
        for m in members:
            if isinstance(m, tuple):
                name, data = m
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                t.addfile(m)

def info(name, type_, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti

def zip_(path, members, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=method)

def zip_patch_sizes(path, size):
    """Set the uncompressed size of every entry, in the local and the
    central headers, to SIZE (the data stays what it is)."""
    b = bytearray(open(path, "rb").read())
    i = 0
    while True:
        i = b.find(b"PK\x03\x04", i)
        if i < 0:
            break
        struct.pack_into("<I", b, i + 22, size)
        i += 4
    i = 0
    while True:
        i = b.find(b"PK\x01\x02", i)
        if i < 0:
            break
        struct.pack_into("<I", b, i + 24, size)
        i += 4
    open(path, "wb").write(b)

ok = b"[Version]\r\nSignature=\"$Windows NT$\"\r\n"

def make(out, name):
    p = os.path.join(out, name)
    if name == "dotdot.tar":
        tar(p, [("viostor/ok.inf", ok), ("../evil.sys", b"MZ")])
    elif name == "dotdot-inside.zip":
        zip_(p, [("viostor/ok.inf", ok), ("viostor/../../evil.sys", b"MZ")])
    elif name == "absolute.tar":
        tar(p, [("/etc/evil.sys", b"MZ")])
    elif name == "absolute-backslash.zip":
        zip_(p, [("\\Windows\\System32\\drivers\\evil.sys", b"MZ")])
    elif name == "drive-letter.zip":
        zip_(p, [("C:/Windows/System32/drivers/evil.sys", b"MZ")])
    elif name == "stream.zip":
        zip_(p, [("viostor/viostor.sys:hidden", b"MZ")])
    elif name == "control-char.tar":
        tar(p, [("viostor/evil\x07.sys", b"MZ")])
    elif name == "symlink.tar":
        tar(p, [("viostor/ok.inf", ok), info("viostor/viostor.sys", tarfile.SYMTYPE, linkname="/etc/passwd")])
    elif name == "hardlink-outside.tar":
        tar(p, [info("viostor/viostor.sys", tarfile.LNKTYPE, linkname="../../etc/passwd")])
    elif name == "hardlink-unlisted.tar":
        tar(p, [info("viostor/viostor.sys", tarfile.LNKTYPE, linkname="viostor/later.sys"),
                ("viostor/later.sys", b"MZ")])
    elif name == "device.tar":
        tar(p, [info("viostor/null", tarfile.CHRTYPE, devmajor=1, devminor=3)])
    elif name == "same-name-two-cases.zip":
        zip_(p, [("viostor/viostor.inf", ok), ("VIOSTOR/ViOStor.INF", ok)])
    elif name == "too-deep.tar":
        tar(p, [("/".join(["d"] * 33) + "/x.inf", ok)])
    elif name == "too-long.tar":
        tar(p, [("viostor/" + "x" * 1100 + ".inf", ok)])
    elif name == "too-many-entries.zip":
        zip_(p, [("e/%d.inf" % i, b"") for i in range(32769)], zipfile.ZIP_STORED)
    elif name == "entry-too-large.tar.gz":
        # A header that declares 300 MiB; the data never comes (the size
        # alone is refused, before any of it would be read).
        ti = tarfile.TarInfo("viostor/huge.sys")
        ti.size = 300 * MIB
        import gzip
        with gzip.open(p, "wb") as g:
            g.write(ti.tobuf(tarfile.PAX_FORMAT))
    elif name == "total-too-large.zip":
        # 17 entries that each declare 255 MiB (4335 MiB together).
        zip_(p, [("viostor/part%02d.bin" % i, b"\0" * 4096) for i in range(17)])
        zip_patch_sizes(p, 255 * MIB)
    elif name == "bomb.zip":
        # 256 MiB of zeros (~256 KiB deflated) in an entry that declares
        # 1000 bytes: reading it must stop at the declared size.
        zip_(p, [("viostor/viostor.sys", b"\0" * (256 * MIB))])
        zip_patch_sizes(p, 1000)
    elif name == "trailing-dot.zip":
        zip_(p, [("viostor/viostor.inf.", ok)])
    elif name == "device-name.tar":
        tar(p, [("viostor/Con.inf", ok)])
    elif name == "file-and-folder.tar":
        tar(p, [("viostor/amd64", b"x"), ("VIOSTOR/AMD64/viostor.inf", ok)])
    elif name == "not-an-archive.bin":
        open(p, "wb").write(bytes(range(256)) * 64)
    else:
        sys.exit("unknown case " + name)

CASES = ["dotdot.tar", "dotdot-inside.zip", "absolute.tar", "absolute-backslash.zip",
         "drive-letter.zip", "stream.zip", "control-char.tar", "symlink.tar",
         "hardlink-outside.tar", "hardlink-unlisted.tar", "device.tar",
         "same-name-two-cases.zip", "too-deep.tar", "too-long.tar",
         "too-many-entries.zip", "entry-too-large.tar.gz", "total-too-large.zip",
         "bomb.zip", "trailing-dot.zip", "device-name.tar", "file-and-folder.tar",
         "not-an-archive.bin"]

if __name__ == "__main__":
    out = sys.argv[1]
    for n in sys.argv[2:] or CASES:
        make(out, n)
