"""Copies: which stored documents repeat an earlier one (reposts, spun copies).

`features` computes what survives copying and spinning (shingles, quotations,
figures, the name skeleton) and compares two texts by containment; `minhash`
signs texts and winnows the anchors the index proposes candidates from;
`segments` finds the blurbs of a page of several stories; `chains` turns the
pairs found into links to each chain's earliest document; `stage` is the
`copies` stage.

May import: the basics and `store`.
"""
