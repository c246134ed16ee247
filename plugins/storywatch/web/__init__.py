"""Safe, polite HTTP: the only way storywatch talks to the network.

`addresses` decides which addresses may be reached; `transport` speaks HTTP to
the one address checked, with timeouts and caps; `bodies` and `charset` turn
the bytes into text; `robots` and `politeness` keep to what sites ask (cached
and paced in PostgreSQL, shared by all workers); `fetch` puts them together;
`urls` normalises and compares URLs.

May import: the basics and `store` (for the shared robots.txt and pacing tables).
"""
