"""Where the embedded server keeps its data: in STORYWATCH_HOME, or (as root) outside the tree."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storywatch.errors import DatabaseUnavailable
from storywatch.store.embedded import (
    HOME_FILE,
    LOCATION_FILE,
    STATE_ROOT,
    SYSTEM_USER,
    EmbeddedServer,
    home_digest,
)

as_root_only = pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")


@pytest.fixture
def state_root() -> Iterator[Path]:
    """A state root the server user can enter (tmp_path's parents are mode 700)."""
    root = Path(tempfile.mkdtemp(prefix="sw-state-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def server_as(home: Path, state_root: Path, run_as: str | None) -> EmbeddedServer:
    server = EmbeddedServer(home, state_root=state_root)
    server.run_as = run_as  # what os.geteuid() decides; set here to test both sides anywhere
    return server


def test_not_root_keeps_the_data_in_the_home(tmp_path: Path) -> None:
    server = server_as(tmp_path / "home", tmp_path / "state", None)
    assert server.pgdata == tmp_path / "home" / "pgdata"
    assert not server.data_outside_home


def test_root_keeps_the_data_under_the_state_root_named_by_the_home(tmp_path: Path) -> None:
    one = server_as(tmp_path / "one", tmp_path / "state", SYSTEM_USER)
    two = server_as(tmp_path / "two", tmp_path / "state", SYSTEM_USER)
    assert one.pgdata == tmp_path / "state" / home_digest(tmp_path / "one") / "pgdata"
    assert one.pgdata != two.pgdata and one.data_outside_home
    assert home_digest(tmp_path / "one") == home_digest(tmp_path / "one")
    deep = server_as(tmp_path / ("deep" * 40), STATE_ROOT, SYSTEM_USER)
    assert len(str(deep.pgdata / ".s.PGSQL.5432")) < 100  # a socket path fits however deep the home


def test_an_existing_data_folder_in_the_home_is_kept(tmp_path: Path) -> None:
    (tmp_path / "home" / "pgdata").mkdir(parents=True)
    server = server_as(tmp_path / "home", tmp_path / "state", SYSTEM_USER)
    assert server.pgdata == tmp_path / "home" / "pgdata" and not server.data_outside_home


def test_a_moved_home_finds_its_data_through_its_record(tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / LOCATION_FILE).write_text("/var/lib/storywatch/0123456789abcdef/pgdata\n")
    server = server_as(moved, tmp_path / "state", SYSTEM_USER)
    assert server.pgdata == Path("/var/lib/storywatch/0123456789abcdef/pgdata")


@as_root_only
def test_first_start_records_the_folder_both_ways(tmp_path: Path, state_root: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server = server_as(home, state_root, SYSTEM_USER)
    server._prepare_server_access()
    folder = state_root / home_digest(home)
    assert (home / LOCATION_FILE).read_text().strip() == str(folder / "pgdata")
    assert (folder / HOME_FILE).read_text().strip() == str(home)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755 and folder.stat().st_uid == 0
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700  # nothing above the home loosened


@as_root_only
def test_data_of_a_deleted_home_of_the_same_path_is_never_reused(tmp_path: Path,
                                                                  state_root: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    left_behind = state_root / home_digest(home)
    (left_behind / "pgdata").mkdir(parents=True)
    server = server_as(home, state_root, SYSTEM_USER)
    server._prepare_server_access()
    assert server.pgdata.parent != left_behind
    assert server.pgdata.parent.name.startswith(left_behind.name + "-")
    assert (left_behind / "pgdata").exists()  # left for its owner to remove


@as_root_only
def test_a_copied_home_does_not_share_the_original_data(tmp_path: Path, state_root: Path) -> None:
    original = tmp_path / "original"
    original.mkdir()
    server_as(original, state_root, SYSTEM_USER)._prepare_server_access()
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    with pytest.raises(DatabaseUnavailable, match="is a copy of it"):
        server_as(copy, state_root, SYSTEM_USER)._prepare_server_access()
    # Once the original is gone (the home was moved, not copied), the data goes with the home.
    shutil.rmtree(original)
    moved = server_as(copy, state_root, SYSTEM_USER)
    moved._prepare_server_access()
    assert (moved.pgdata.parent / HOME_FILE).read_text().strip() == str(copy)


@as_root_only
@pytest.mark.parametrize("loosen", ["owner", "group_write"])
def test_a_state_root_others_could_write_is_refused(loosen: str, tmp_path: Path,
                                                     state_root: Path) -> None:
    if loosen == "owner":
        os.chown(state_root, 65534, 65534)
    else:
        state_root.chmod(0o775)
    server = server_as(tmp_path / "home", state_root, SYSTEM_USER)
    with pytest.raises(DatabaseUnavailable, match="writable by root alone"):
        server._prepare_server_access()


def test_removing_the_data_of_a_home_never_started_does_nothing(tmp_path: Path) -> None:
    EmbeddedServer(tmp_path / "never-made").remove_data()
    assert not (tmp_path / "never-made").exists()
