"""The stages `storywatch process` runs, in order, and the call that runs them.

The stage protocol and the runner that claims pending versions live in
`storywatch.store.stagework`; this module only lists the stages. Each entry
builds its stage lazily, so importing this module never loads a language model.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from storywatch.progress import Progress
from storywatch.store.db import Connection
from storywatch.store.stagework import Stage, run_stage

log = logging.getLogger(__name__)


def _extract_stage() -> Stage:
    from storywatch.extraction.stage import ExtractStage

    return ExtractStage()


def _copies_stage() -> Stage:
    from storywatch.copies.stage import CopiesStage

    return CopiesStage()


def _track_stage() -> Stage:
    from storywatch.tracking.stage import TrackStage

    return TrackStage()


# Copies read the spin score that extract stores; the tracker reads the claims
# and entities extract writes.
STAGE_FACTORIES: list[Callable[[], Stage]] = [_extract_stage, _copies_stage, _track_stage]


def process_pending(
    conn: Connection, *, batch_size: int = 8, only_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, int]]:
    """Run every registered stage over every pending version; counts per stage."""
    results: dict[str, dict[str, int]] = {}
    earlier: list[Stage] = []
    for factory in STAGE_FACTORIES:
        stage = factory()
        # A version waits for the stages before this one (another worker may hold it there).
        counts = run_stage(conn, stage, batch_size=batch_size, only_ids=only_ids,
                           after=list(earlier), progress=progress)
        earlier.append(stage)
        results[stage.name] = counts.as_dict()
        log.debug("stage %s: %s", stage.name, counts.as_dict())
    return results
