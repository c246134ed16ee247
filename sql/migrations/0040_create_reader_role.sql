-- The analysts' read-only role: storywatch_reader (NOLOGIN) may read the v_* views and nothing
-- else. Grant it to a login (`create role ana login password '...' in role storywatch_reader`).
-- Roles belong to the whole server, not to this database: another database on the server (a
-- second install, a test session) may have created it already, possibly at this very moment, so
-- it is created only when absent and a concurrent creation is not an error. Without the
-- privilege to create roles the migration still applies, with a notice, and the grants in
-- sql/views/zz_grants.sql are skipped until someone with it creates the role.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'storywatch_reader') then
        create role storywatch_reader nologin;
        comment on role storywatch_reader is
            'storywatch analysts: SELECT on the v_* views of storywatch databases, nothing else';
    end if;
exception
    when duplicate_object or unique_violation then
        null;
    when insufficient_privilege then
        raise notice 'storywatch_reader was not created (no CREATEROLE privilege): '
            'ask an administrator to run "create role storywatch_reader nologin" '
            'and then "storywatch db upgrade" again';
end
$$;

-- Raw tables stay private even where an earlier install granted something by hand.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'storywatch_reader') then
        execute 'revoke all on all tables in schema public from storywatch_reader';
        execute 'revoke all on all sequences in schema public from storywatch_reader';
        execute 'grant usage on schema public to storywatch_reader';
    end if;
end
$$;
