"""The stages `storywatch process` runs, in order, and the call that runs them.

The stage protocol and the runner that claims pending versions live in
`storywatch.store.stagework`; this module only lists the stages. Each entry
builds its stage lazily, so importing this module never loads a language model.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from storywatch.progress import Progress, task
from storywatch.store.db import Connection
from storywatch.store.stagework import (
    Stage,
    StageCounts,
    count_pending,
    forget_finished_versions,
    register_stages,
    run_one_batch,
)

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
    """Run every registered stage over every pending version; counts per stage.

    The stages take turns, a batch each: a batch is extracted, then whatever is ready is
    compared for copies and tracked, then the next batch is extracted. Results do not
    depend on the order (each stage is written so), and taking turns keeps several workers
    from all reaching the copies stage's one lock at the same time. A version waits for
    the stages before it (another worker may hold it there). Progress counts steps: one
    stage run on one version.
    """
    stages = [factory() for factory in STAGE_FACTORIES]
    counts = {stage.name: StageCounts() for stage in stages}
    register_stages(conn, [stage.name for stage in stages])
    total = (sum(count_pending(conn, stage, only_ids) for stage in stages)
             if progress is not None else None)
    with task(progress, "process", total, "step") as shown:
        handled = 1
        while handled:
            handled = 0
            forget_finished_versions(conn)  # the queue the claims read holds what is waiting
            for position, stage in enumerate(stages):
                stage_counts = counts[stage.name]
                before = stage_counts.as_dict()
                handled += run_one_batch(conn, stage, batch_size, only_ids, stage_counts,
                                         after=stages[:position])
                now = stage_counts.as_dict()
                steps = sum(now.values()) - sum(before.values())
                if steps:
                    shown.advance(steps, **{stage.name: steps},
                                  **{k: now[k] - before[k] for k in ("skipped", "failed")})
                    shown.batch_done()
    for stage in stages:  # what the batches deferred: the tracker's slot replays
        stage.finish_run(conn)
    forget_finished_versions(conn, wait=True)
    results = {name: stage_counts.as_dict() for name, stage_counts in counts.items()}
    log.debug("processed: %s", results)
    return results
