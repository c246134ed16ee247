-- Not a view: the last step of every `storywatch db upgrade` (view files run in name order, so
-- this one runs after all of them). Views are dropped and re-created on every upgrade, which
-- drops their grants, so the reader role's SELECT is granted again here, on every analyst view
-- (v_*) and on nothing else. Default privileges cannot do this job: they would apply to every
-- new table as well. Skipped while the role does not exist (see 0040_create_reader_role.sql).
do $$
declare
    relation record;
begin
    if not exists (select 1 from pg_roles where rolname = 'storywatch_reader') then
        raise notice 'role storywatch_reader does not exist: no grants';
        return;
    end if;
    for relation in
        select c.relname, c.relkind
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'public'
          and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
        order by c.relname
    loop
        if relation.relkind in ('v', 'm') and relation.relname like 'v\_%' then
            execute format('grant select on %I to storywatch_reader', relation.relname);
        else
            execute format('revoke all on %I from storywatch_reader', relation.relname);
        end if;
    end loop;
end
$$;
