"""The `extract` stage: parse pending versions (`language`) and store what was found.

`stage` screens and parses versions; `writes` stores one version's entities,
mentions and claims, replacing the rows of an earlier extractor version.

May import: the basics, `store` and `language`.
"""
