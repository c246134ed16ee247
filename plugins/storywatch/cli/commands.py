"""What every command group of the `storywatch` parser shares: one way to add a command."""
from __future__ import annotations

import argparse
from collections.abc import Callable

from storywatch.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    help_text: str,
) -> argparse.ArgumentParser:
    """Add `name` to `subparsers`, run by `handler`, with `help_text` as its help and description."""
    sub = subparsers.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(handler=handler)
    return sub
