"""Where text comes from: feeds, article pages, local files and revisits.

`feeds`, `feedparse` and `feeddates` follow RSS/Atom/JSON feeds; `polling` and
`schedule` poll the due ones; `discovery` makes search feeds of the threads'
queries; `opml` imports feed lists; `pages` and `pagemeta`
turn a page into its main text and metadata; `pagefetch` fetches an entry's page
and stores it; `revisit` re-fetches tracked articles to catch edits and
removals; `article_files` and `ingest` read local article files.

May import: the basics, `store` and `web`.
"""
