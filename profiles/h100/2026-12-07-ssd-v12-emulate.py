#!/usr/bin/env python3
# Checks of the two version-12 candidates without a GPU (numpy; Debian's python3-numpy): (1) the quad word transpose
# of the y stores, as the kernel writes it (two butterfly stages); (2) the intra-chunk term of one head in f32 with
# bf16 roundings where the kernel rounds, current scheme (factor pair per element of an off-diagonal 16-block) and
# candidate (units left of the diagonal unit: gamma * wdt pair for all rows, row factor on the accumulator), both
# against f64, at decays from mild to extreme. Printed on 2026-12-07: rel_l2 1.5-1.9e-3 for both at every strength.
import numpy as np
# 1. quad transpose (two butterfly stages) as the kernel writes it
def quad_transpose(W):
    W=[list(w) for w in W]
    # stage 1 (xor 2)
    send=[(W[q][0],W[q][1]) if q&2 else (W[q][2],W[q][3]) for q in range(4)]
    for q in range(4):
        s0,s1=send[q^2]
        if q&2: W[q][0],W[q][1]=s0,s1
        else: W[q][2],W[q][3]=s0,s1
    send=[(W[q][0],W[q][2]) if q&1 else (W[q][1],W[q][3]) for q in range(4)]
    for q in range(4):
        s0,s1=send[q^1]
        if q&1: W[q][0],W[q][2]=s0,s1
        else: W[q][1],W[q][3]=s0,s1
    return W
M=[[(l,w) for w in range(4)] for l in range(4)]
T=quad_transpose(M)
assert all(T[q][i]==(i,q) for q in range(4) for i in range(4)), T
# lane q word i = lane i's pair at nt=q: columns 8q+2i, +1 -> lane q holds columns 8q..8q+7 in order
print("quad transpose ok")

# 2. decay factorization of the intra-chunk term, bf16 emulated
def bf16(a):
    a=np.asarray(a,dtype=np.float32); u=a.view(np.uint32).astype(np.uint64)
    r=((u+0x7fff+((u>>16)&1))>>16)<<16
    return r.astype(np.uint32).view(np.float32)
rng=np.random.default_rng(1)
Q=256
def run(strength):
    dt=np.log1p(np.exp(rng.normal(-2,1.5,Q))).astype(np.float32)*strength
    A=-np.exp(rng.uniform(0,np.log(16)))
    cs=np.cumsum(dt*A*np.log2(np.e)).astype(np.float32)   # base 2
    G=bf16(rng.normal(0,1,(Q,Q)).astype(np.float32))
    x=bf16(rng.normal(0,1,(Q,64)).astype(np.float32))
    t=np.arange(Q)
    d=np.minimum(cs[:,None].astype(np.float64)-cs[None,:], 0)  # s > t: masked below (no overflow)
    L=np.where(t[:,None]>=t[None,:], np.exp2(d)*dt[None,:], 0)
    ref=(G*L)@x
    wdt=np.exp2(cs[t|15]-cs).astype(np.float32)*dt   # per 16-block weights
    def blk(i, jb):   # version 11's bf16 A block (row block i, column block jb <= i): factor pair per element
        G_=G[16*i:16*i+16,16*jb:16*jb+16]
        if jb==i: return bf16(G_*L[16*i:16*i+16,16*i:16*i+16])
        r=np.exp2(cs[16*i:16*i+16]-cs[16*jb+15]).astype(np.float32)
        return bf16(G_*bf16(r[:,None]*wdt[None,16*jb:16*jb+16]))
    def cur():   # version 11: every block of the causal part as blk
        A_=np.zeros((Q,Q),np.float32)
        for i in range(16):
            for jb in range(i+1): A_[16*i:16*i+16,16*jb:16*jb+16]=blk(i,jb)
        return A_.astype(np.float64)@x
    def new():   # candidate: units left of the diagonal as gamma * wdt (one pair for all rows), row factor on the accumulator
        y=np.zeros((Q,64))
        for T in range(4):
            rows=slice(64*T,64*T+64)
            acc=np.zeros((64,64))
            if T>0:
                e=cs[64*T-1]
                Aoff=np.zeros((64,64*T),np.float32)
                for jb in range(4*T):
                    g=np.float32(np.exp2(e-cs[16*jb+15]))
                    f=bf16(g*wdt[16*jb:16*jb+16])
                    Aoff[:,16*jb:16*jb+16]=bf16(G[rows,16*jb:16*jb+16]*f[None,:])
                acc=Aoff.astype(np.float64)@x[:64*T]
                rho=np.exp2(cs[rows]-e).astype(np.float32)
                acc=acc*rho[:,None]
            # diagonal unit as in version 11
            Ad=np.zeros((64,64),np.float32)
            for i in range(4):
                for j in range(i+1): Ad[16*i:16*i+16,16*j:16*j+16]=blk(4*T+i,4*T+j)
            y[rows]=acc+Ad.astype(np.float64)@x[64*T:64*T+64]
        return y
    rel=lambda a: np.linalg.norm(a-ref)/np.linalg.norm(ref)
    c,n=cur(),new()
    print(f"strength {strength}: |cs| max {abs(cs).max():9.1f}  rel_l2 current {rel(c):.2e}  candidate {rel(n):.2e}  finite {np.isfinite(n).all()}")
for s in [0.1,1,10,100]: run(s)
