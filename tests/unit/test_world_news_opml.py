"""seeds/world-news.opml: importable, and every entry checked against its publisher's own list."""
from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from storywatch.settings import REPO_ROOT
from storywatch.sources.opml import parse_opml

OPML = REPO_ROOT / "seeds" / "world-news.opml"


def registered_domain(host: str) -> str:
    return ".".join(host.lower().split(".")[-2:])


def test_the_starter_list_parses_and_each_entry_names_the_publisher_page_it_was_checked_on():
    data = OPML.read_bytes()
    listed = parse_opml(data)
    assert listed.skipped == ()
    outlines = [o for o in etree.fromstring(data).iter("outline") if o.get("xmlUrl")]
    assert len(outlines) == len(listed.feeds)
    for outline in outlines:
        url = outline.get("xmlUrl")
        assert urlsplit(url).scheme == "https", url
        checked = outline.get("checked", "")
        assert checked.startswith("listed on https://"), f"{url}: no `checked` note"
        page = urlsplit(checked.split()[2].rstrip(",")).hostname or ""
        site = urlsplit(outline.get("htmlUrl") or url).hostname or ""
        assert registered_domain(page) == registered_domain(site), (
            f"{url} was checked on {page}, not on the publisher's own site")


def test_nothing_loads_the_starter_list_on_its_own():
    for path in [*REPO_ROOT.joinpath("dags").glob("*.py"),
                 *REPO_ROOT.joinpath("plugins", "storywatch").rglob("*.py")]:
        assert "world-news.opml" not in path.read_text(encoding="utf-8"), path
