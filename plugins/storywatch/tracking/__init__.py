"""Story threads and their developments: the facts that move a tracked story.

`threads` reads and checks thread definitions (`seeds/threads.yml`) and `sync`
writes them to the database; `relevance` scores a version against a thread;
`observations` reads the values a relevant version reports for each slot;
`developments` replays a slot's observations in publication order; `stage` is
the `track` stage that stores observations and developments; `review` is the
analyst's confirm, dismiss and reopen; `discovery` gives a thread's search
queries and the relevance filter the poller applies to search results.

May import: the basics, `store`, `language` and `extraction`. Tracking never
fetches: nothing from `web` or `sources`.
"""
