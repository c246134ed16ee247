"""The language of news: the spaCy pipeline and the rules that read a parsed article.

`nlp` loads and runs the model; `furniture` blanks wire furniture (datelines,
bylines, credits) before parsing; `entities` canonical people, organisations and
places (`countries` types states); `coref` links pronouns, role phrases and
descriptions to the person they name, `roles` resolves offices by date from
`seeds/roles.yml`; `quotes` quotations and reported speech with their speakers; `numbers`,
`units`, `figures` and `quantities` numeric assertions with their qualifiers, `frames`
what each figure is (a total, a share, a change, ..., whose, how asserted) and `counted`
the class of what it counts;
`cues`, `clauses` and `statuses` status statements with negation, modality and
tense; `claims` turns them into attributed claims; `spin` scores
synonym-substituted copy; `analysis` runs all of it over one parse.

Pure: no database, no network. May import only the basics.
"""
