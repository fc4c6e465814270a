#!/usr/bin/env python3
"""mkbuild.py - generated "game builds" for the delta tests and bench.

  mkbuild.py build SIZE SEED OUT
      a build of SIZE bytes: code-like bytes (a 48-symbol alphabet, so it
      compresses about as much as machine code) with a 4-byte absolute
      address (little-endian, pointing into the build) every 256 bytes.
  mkbuild.py rebuild BASE SEED PERCENT OUT
      the same build after a small source change: PERCENT % of its bytes
      rewritten in 1-16 KiB "functions", three insertions of 4-64 KiB
      (everything after them shifts) and every address that points past
      an insertion relocated by the bytes inserted before it - the reason
      a relinked binary shares almost no chunk with its previous version.

Deterministic for a given SEED. SIZE takes the suffixes k, M (binary).
"""
import random
import sys
from array import array

ALPHABET = bytes.maketrans(bytes(range(256)), bytes(i % 48 for i in range(256)))
SLOT = 256


def size_arg(s):
    mult = {"k": 1024, "M": 1024 * 1024}.get(s[-1:], 1)
    return int(s[:-1] if mult > 1 else s) * mult


def code(rng, n):
    return rng.randbytes(n).translate(ALPHABET)


def build(size, seed, out):
    rng = random.Random(seed)
    size -= size % SLOT
    data = array("I", code(rng, size))
    step = SLOT // 4
    data[::step] = array("I", (rng.randrange(size) for _ in range(len(data[::step]))))
    with open(out, "wb") as f:
        f.write(data.tobytes())


def rebuild(base, seed, percent, out):
    rng = random.Random(seed)
    with open(base, "rb") as f:
        raw = f.read()
    size = len(raw) - len(raw) % SLOT
    inserts = sorted((rng.randrange(size), rng.randrange(4096, 65537))
                     for _ in range(3))

    def moved(a):
        return a + sum(n for pos, n in inserts if pos <= a)

    data = array("I", raw[:size])
    step = SLOT // 4
    data[::step] = array("I", (moved(a) & 0xFFFFFFFF for a in data[::step]))
    buf = bytearray(data.tobytes()) + raw[size:]
    todo = int(len(buf) * percent / 100)
    while todo > 0:
        n = min(todo, rng.randrange(1024, 16385))
        at = rng.randrange(max(1, len(buf) - n))
        buf[at:at + n] = code(rng, n)
        todo -= n
    for pos, n in reversed(inserts):
        buf[pos:pos] = code(rng, n)
    with open(out, "wb") as f:
        f.write(buf)


def main(argv):
    if len(argv) == 5 and argv[1] == "build":
        build(size_arg(argv[2]), int(argv[3]), argv[4])
    elif len(argv) == 6 and argv[1] == "rebuild":
        rebuild(argv[2], int(argv[3]), float(argv[4]), argv[5])
    else:
        sys.stderr.write(__doc__)
        return 129
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
