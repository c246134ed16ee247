"""Copies: which stored documents repeat an earlier one (reposts, spun copies).

`features` computes what survives copying and spinning (shingles, quotations,
figures, the name skeleton) and compares two texts; `minhash` signs texts for
the index that proposes candidates; `stage` is the `copies` stage that links
each document to the earliest one it copies.

May import: the basics and `store`.
"""
