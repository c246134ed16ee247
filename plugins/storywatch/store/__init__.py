"""PostgreSQL: connections, the embedded server, migrations and every shared write.

`db` connects (to `STORYWATCH_DATABASE_URL`, or the embedded server that
`embedded` starts from a pip-installed wheel); `migrate` applies
`sql/migrations` and re-creates `sql/views`; `articles` stores documents and
their versions (with `diffs` between them) and `raw` their raw HTTP responses;
`search` is the full-text search over stored articles; `stagework` is the stage
protocol and the runner that claims pending versions with `SKIP LOCKED`.

May import: the basics (settings, errors, text, sentences). Nothing here fetches
or parses language.
"""
