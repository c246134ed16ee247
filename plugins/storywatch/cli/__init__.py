"""The `storywatch` command line: one module per command group.

`main` builds the parser and runs a command; `commands` is what every group
shares; `progress` shows long commands' progress (a bar on a terminal, lines
in a log); `feeds`, `process` and `threads` are the command groups; `demo` runs
the pipeline once against `demo_site`, follow-up news served on loopback.

May import every other part of the package; nothing imports it but `__main__`.
"""
