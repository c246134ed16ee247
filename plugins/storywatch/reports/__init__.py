"""What the analyst reads: digests, the Threads page's queries, alerts, evaluation.

`digest` renders a thread as Markdown or HTML (one on request, or the daily
set); `dashboard` holds the queries of the Threads page and `timeline` its SVG charts; `alerts` sends the new
developments through webhooks or e-mail; `evaluation` scores the tracker on
annotated timelines (used by `bench/`).

May import: the basics, `store`, `web` (alerts post through the safe fetcher),
`sources` (evaluation reads article files) and `tracking`.
"""
