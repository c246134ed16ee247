-- Indexes the scale benchmark (bench/scale.py, 100k document versions) showed the analyst
-- queries need to stay under 50 ms:
-- an article's versions are looked up by its URL (v_article_versions where url = ...);
create index documents_url_idx on documents (url);
-- the latest developments of a thread are read newest first (v_developments order by
-- ordered_at desc limit N), which an index on the time lets stop after N rows.
create index developments_ordered_at_idx on developments (ordered_at);
