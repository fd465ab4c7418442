#!/usr/bin/env python3
# Summarises the SSD scan's %globaltimer stamp dump (ns), per CTA and per head, as medians over the middle chunks.
# The dump comes from the kernel with profiles/h100/2026-12-07-ssd-stamps.patch applied to
# kernels/ssd_chunk_scan_sm90.cu: MAMBASCOPE_SSD_STAMPS=FILE mambascope bench-op ssd_chunk_scan ... writes the last
# launch's stamps. Slots: 0 CTA start, 1 claimed, 2 prologue done, 3 G done (consumer 0); per head j at 4+8j:
# +0 producer s_c issue (after x_j + weights), +1 s_c issued & flag seen, +2 S_c stored + flag raised, +3 kBarFull
# arrived, +4 kBarXFree passed (x_{j+1} copy issued), +5 consumer 0 past kBarFull, +6 lo tile done, +7 hi tile
# done; 68 CTA end, 69 smid.
import struct, sys, statistics as st
def load(p):
    b = open(p, 'rb').read()
    nch, nhb, k, ns = struct.unpack('4i', b[:16])
    v = struct.unpack('%dQ' % (nch * nhb * ns), b[16:16 + 8 * nch * nhb * ns])
    return nch, nhb, k, ns, [v[i * ns:(i + 1) * ns] for i in range(nch * nhb)]
def med(xs): return st.median(xs) / 1000 if xs else float('nan')
def pct(xs, q):
    xs = sorted(xs); return xs[int(q * (len(xs) - 1))] / 1000 if xs else float('nan')
for p in sys.argv[1:]:
    nch, nhb, k, ns, T = load(p)
    t0 = min(t[0] for t in T)
    print(f"== {p}: {nch} chunks x {nhb} head blocks, k={k}; kernel span {(max(t[68] for t in T) - t0)/1e3:.1f} us")
    mid = [(c, hb) for c in range(10, nch - 10) for hb in range(nhb)]
    g = lambda c, hb: T[c * nhb + hb]
    rows = []
    def stat(name, xs): print(f"  {name:<44} median {med(xs):7.2f} us  p10 {pct(xs, .1):7.2f}  p90 {pct(xs, .9):7.2f}")
    stat("CTA duration (claim -> end)", [g(c, hb)[68] - g(c, hb)[1] for c, hb in mid])
    stat("launch gap (start - prev chunk start)", [g(c, hb)[0] - g(c - 1, hb)[0] for c, hb in mid])
    stat("prologue (claim -> loads+cumsum done)", [g(c, hb)[2] - g(c, hb)[1] for c, hb in mid])
    stat("G (prologue done -> G done)", [g(c, hb)[3] - g(c, hb)[2] for c, hb in mid])
    stat("last head hi done -> CTA end", [g(c, hb)[68] - g(c, hb)[4 + 8 * (k - 1) + 7] for c, hb in mid])
    for j in range(k):
        s = 4 + 8 * j
        print(f" head {j}:")
        stat("P: prev XFree/prologue -> s_c issue", [g(c, hb)[s] - (g(c, hb)[s - 8 + 4] if j >= 2 else (g(c,hb)[s-8+3] if j==1 else g(c, hb)[2])) for c, hb in mid])
        stat("P: s_c issue -> flag seen", [g(c, hb)[s + 1] - g(c, hb)[s] for c, hb in mid])
        stat("P: flag seen -> S_c stored, flag raised", [g(c, hb)[s + 2] - g(c, hb)[s + 1] for c, hb in mid])
        stat("P: flag raised -> kBarFull", [g(c, hb)[s + 3] - g(c, hb)[s + 2] for c, hb in mid])
        if j + 1 < k and j > 0: stat("P: kBarFull -> XFree passed", [g(c, hb)[s + 4] - g(c, hb)[s + 3] for c, hb in mid])
        stat("chain: pred flag raised -> flag seen", [g(c, hb)[s + 1] - g(c - 1, hb)[s + 2] for c, hb in mid])
        stat("chain: flag raised lag behind pred", [g(c, hb)[s + 2] - g(c - 1, hb)[s + 2] for c, hb in mid])
        stat("C: wait at kBarFull (prev hi done/G -> pass)", [g(c, hb)[s + 5] - (g(c, hb)[s - 8 + 7] if j else g(c, hb)[3]) for c, hb in mid])
        stat("C: lo tile", [g(c, hb)[s + 6] - g(c, hb)[s + 5] for c, hb in mid])
        stat("C: hi tile", [g(c, hb)[s + 7] - g(c, hb)[s + 6] for c, hb in mid])
    # how often the producer waited on the flag: s_c issue->flag seen beyond the 10th percentile of that stat
