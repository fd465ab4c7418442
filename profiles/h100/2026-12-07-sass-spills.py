#!/usr/bin/env python3
# Where the spills are: a timeline of an sm_90 cubin's kernel code without cuobjdump (not in the CI toolkit).
# Usage: nvcc -std=c++17 -O3 -gencode arch=compute_90a,code=sm_90a --expt-relaxed-constexpr -I. -cubin \
#          kernels/ssd_chunk_scan_sm90.cu -o k.cubin && python3 profiles/h100/2026-12-07-sass-spills.py k.cubin
# Prints runs of marked instructions as <mark><count>@<instruction index>: H = HGMMA with both operands from
# descriptors, R = HGMMA with A from registers (the encodings tests/kernels/test_sass_wgmma.cpp checks),
# L = LDL (spill reload), S = STL (spill store), B = BAR (opcode inferred from the barriers a head has: a hint).
# The LDL/STL opcodes (0x983, 0x387) are the sm_80+ ones; they match ptxas -v here (version 8: 28 LDL = 112
# bytes of spill loads, 27 STL).
import struct
import sys

d = open(sys.argv[1], 'rb').read()
shoff = struct.unpack_from('<Q', d, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
secs = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize) for i in range(shnum)]
stro = secs[shstrndx][4]


def name(o):
    return d[stro + o:d.index(b'\0', stro + o)].decode()


for s in secs:
    if not name(s[0]).startswith('.text.'):
        continue
    off, size = s[4], s[5]
    runs, last, cnt, start = [], None, 0, 0
    for idx, i in enumerate(range(off, off + size, 16)):
        lo = struct.unpack_from('<Q', d, i)[0]
        op, lo16 = lo & 0xfff, lo & 0xffff
        m = {0x79f0: 'H', 0x7df0: 'R'}.get(lo16) or {0x983: 'L', 0x387: 'S', 0xb1d: 'B', 0x31d: 'B'}.get(op)
        if not m:
            continue
        if m == last:
            cnt += 1
            continue
        if last:
            runs.append(f'{last}{cnt}@{start}')
        last, cnt, start = m, 1, idx
    if last:
        runs.append(f'{last}{cnt}@{start}')
    print(name(s[0])[:90], size // 16, 'instructions')
    print(' '.join(runs))
