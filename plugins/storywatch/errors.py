"""Errors that end a command with one clear line for the user."""
from __future__ import annotations


class StorywatchError(Exception):
    """A failure the user can act on: the message says what is wrong and what to do."""


class DatabaseUnavailable(StorywatchError):
    """No usable database: unreachable server, or an embedded server that will not start."""


class MigrationError(StorywatchError):
    """A migration could not be applied, or an applied one was edited afterwards."""
