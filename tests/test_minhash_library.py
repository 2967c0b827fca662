"""The numpy MinHash kept beside datasketch (for speed: it hashes every shingle of every key at
once) gives exactly datasketch's own MinHash signatures, so its LSH index reads them as its own."""
from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from signalos.dataset.dedup import minhash_signatures, shingle_hashes

KEYS = ["§ buy now @ 0 sl: 0 tp0: 0 use proper lot size and manage your risk",
        "§ buy now @ 0 sl: 0 tp0: 0 tp0: 0 use proper lot size and manage your risk",
        "weekly results: 0 pips, 0 wins 0 losses", "tp0 hit", "", "закрыть половину на tp0 🎯"]


def test_signatures_are_datasketch_affine32_bit_for_bit():
    for num_perm, seed in ((64, 1), (128, 7)):
        ours = minhash_signatures(KEYS, num_perm=num_perm, seed=seed)
        raw, owner = shingle_hashes(KEYS)
        for i in range(len(KEYS)):
            theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=lambda v: v)
            theirs.update_batch([int(v) for v in raw[owner == i]])
            assert np.array_equal(theirs.hashvalues, ours[i]), KEYS[i]


def test_datasketch_lsh_finds_the_near_duplicate_from_our_signatures():
    sigs = minhash_signatures(KEYS, num_perm=64)
    lsh = MinHashLSH(threshold=0.6, num_perm=64)
    for i, row in enumerate(sigs):
        lsh.insert(str(i), LeanMinHash(seed=1, hashvalues=row, scheme="affine32"))
    assert set(lsh.query(LeanMinHash(seed=1, hashvalues=sigs[0], scheme="affine32"))) == {"0", "1"}
