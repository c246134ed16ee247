#!/usr/bin/env python3
"""The Threads page in a real headless Chromium: log in, read the page, review, search.

Drives Debian's `chromium` through `chromedriver` over the W3C WebDriver HTTP
protocol on loopback (plain urllib, no client library). Chromium starts with a
fresh profile and a host resolver that maps every name except localhost and
127.0.0.1 to nothing, so the page cannot reach beyond this machine. The test:

1. an anonymous request to the plugin's page gets 401;
2. the browser logs in through Airflow's own login form;
3. the dashboard's "Threads" entry (/plugin/threads) shows the plugin page in its
   frame, with every thread and its developments (each with evidence and links);
4. nothing from a feed became markup: no <script> element, and a title that
   contains "<script>" is shown as text (when such an article is stored);
5. a screenshot of the dashboard is saved and must not be blank (pixel variance);
6. the analyst's desk: the latest development that moved a slot is dismissed with a
   reason, leaves the list, and the slot's state goes back to the value before it;
   the "dismissed" filter finds it and Reopen brings it (and the state) back;
   another development is confirmed; a word of a stored article is searched from
   the page's search box and the first result opens the article page;
7. over plain HTTP: an anonymous review POST gets 401, a logged-in one without
   the page's anti-forgery token gets 403, and neither records anything.
Screenshots of the Threads page, a search result and an article page are saved
beside OUT.png (OUT-search.png, OUT-article.png).

Run by .ci/celery_e2e.py against the Airflow it started, and by .ci/browser_desk.py
(fixture data only, for the README's screenshots); also runnable alone:
    .venv/bin/python .ci/browser_threads.py BASE_URL USER PASSWORD OUT.png SEARCH_WORD
"""
from __future__ import annotations

import base64
import json
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "plugins"))

from storywatch_airflow import localrun  # noqa: E402

CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--window-size=1400,1100", "--disable-dev-shm-usage",
]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
WAIT = 90.0
# A screenshot of a real page has text, lines and colours; a blank one is one flat colour.
MIN_PIXEL_STDDEV = 8.0


class BrowserTestFailed(Exception):
    """A check of the browser test did not hold."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 60) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class WebDriver:
    """A chromedriver process and one browser session, over the WebDriver HTTP protocol."""

    def __init__(self, profile: Path, log: Path) -> None:
        self.port = free_port()
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            ["chromedriver", f"--port={self.port}", "--allowed-ips=127.0.0.1"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = http("GET", self.base + "/status", timeout=2)
                if status == 200 and body["value"]["ready"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise BrowserTestFailed(f"chromedriver did not start (see {log})")
            time.sleep(0.2)
        options = {"args": [*CHROME_FLAGS, f"--user-data-dir={profile}"]}
        binary = shutil.which("chromium")
        if binary:
            options["binary"] = binary
        status, body = http("POST", self.base + "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options,
            "timeouts": {"pageLoad": 60000, "script": 30000}}}})
        if status != 200:
            self.quit()
            raise BrowserTestFailed(f"chromium did not start: {body}")
        self.session = f"{self.base}/session/{body['value']['sessionId']}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        status, reply = http(method, self.session + path, body if body is not None else (
            {} if method == "POST" else None))
        if status != 200:
            raise BrowserTestFailed(f"WebDriver {method} {path}: HTTP {status} {reply}")
        return reply["value"]

    def open(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    def find_all(self, css: str) -> list[str]:
        return [e[ELEMENT] for e in self.call("POST", "/elements",
                                              {"using": "css selector", "value": css})]

    def wait_for(self, css: str, timeout: float = WAIT) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find_all(css)
            if found:
                return found
            time.sleep(0.5)
        raise BrowserTestFailed(f"nothing matches {css!r} after {timeout:.0f} s at "
                                f"{self.call('GET', '/url')}")

    def text(self, element: str) -> str:
        return str(self.call("GET", f"/element/{element}/text"))

    def attribute(self, element: str, name: str) -> str | None:
        value = self.call("GET", f"/element/{element}/attribute/{name}")
        return None if value is None else str(value)

    def find_in(self, element: str, css: str) -> list[str]:
        return [e[ELEMENT] for e in self.call("POST", f"/element/{element}/elements",
                                              {"using": "css selector", "value": css})]

    def wait_until(self, what: str, check: Any, timeout: float = WAIT) -> Any:
        """Poll `check()` until it returns something true; that value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.5)
        raise BrowserTestFailed(f"{what}: not so after {timeout:.0f} s at "
                                f"{self.call('GET', '/url')}")

    def type(self, element: str, text: str) -> None:
        self.call("POST", f"/element/{element}/value", {"text": text})

    def click(self, element: str) -> None:
        self.call("POST", f"/element/{element}/click")

    def frame(self, element: str | None) -> None:
        self.call("POST", "/frame", {"id": {ELEMENT: element} if element else None})

    def resize(self, width: int, height: int) -> None:
        self.call("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("GET", "/screenshot")))
        return path

    def quit(self) -> None:
        try:
            if hasattr(self, "session"):
                http("DELETE", self.session, timeout=30)
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()


# -- PNG pixels, without an imaging library -------------------------------------------------------
def png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, unfiltered rows) of an 8-bit, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise BrowserTestFailed("the screenshot is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    if header is None:
        raise BrowserTestFailed("the screenshot PNG has no header")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise BrowserTestFailed(f"unexpected PNG format (depth {depth}, colour type {colour})")
    raw = zlib.decompress(idat)
    stride, rows, previous = width * channels, [], bytes(width * channels)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            left = row[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[x] = (row[x] + predictor) & 0xFF
        rows.append(bytes(row))
        previous = bytes(row)
    return width, height, channels, rows


def pixel_stddev(path: Path) -> float:
    """Standard deviation of the grey level over a grid of pixels of the screenshot."""
    width, height, channels, rows = png_pixels(path.read_bytes())
    greys = []
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            pixel = row[x * channels:x * channels + min(channels, 3)]
            greys.append(sum(pixel) / len(pixel))
    mean = sum(greys) / len(greys)
    return (sum((g - mean) ** 2 for g in greys) / len(greys)) ** 0.5


# -- the test ---------------------------------------------------------------------------------------------
def check_anonymous_is_refused(base_url: str) -> None:
    status, _ = http("GET", base_url + "/storywatch/threads")
    if status != 401:
        raise BrowserTestFailed(f"an anonymous request to the Threads page got HTTP {status}, "
                                "not 401")


def log_in(driver: WebDriver, base_url: str, user: str, password: str) -> None:
    driver.open(base_url + "/")
    username = driver.wait_for('input[name="username"]')[0]
    driver.type(username, user)
    driver.type(driver.wait_for('input[name="password"]')[0], password)
    driver.click(driver.wait_for('button[type="submit"]')[0])
    deadline = time.monotonic() + WAIT
    while "/auth/login" in str(driver.call("GET", "/url")) and time.monotonic() < deadline:
        time.sleep(0.5)
    if "/auth/login" in str(driver.call("GET", "/url")):
        raise BrowserTestFailed("still on the login page after signing in")


def check_review_refusals(base_url: str, user: str, password: str) -> None:
    """A review POST: 401 without a login, 403 logged in but without the page's token."""
    path = "/storywatch/developments/1/review"
    form = {"action": "confirm", "csrf_token": "0" * 64}
    status, _ = localrun.Api(base_url).call("POST", path, form=form)
    if status != 401:
        raise BrowserTestFailed(f"an anonymous review POST got HTTP {status}, not 401")
    api = localrun.Api(base_url)
    api.log_in(user, password)
    for fields in (form, {"action": "confirm"}):
        status, _ = api.call("POST", path, form=fields)
        if status != 403:
            raise BrowserTestFailed(f"a review POST without this session's token got HTTP "
                                    f"{status}, not 403")


def _quietly(check: Any) -> Any:
    """`check()`, or None while the frame is between two pages."""
    def attempt() -> Any:
        try:
            return check()
        except BrowserTestFailed:
            return None
    return attempt


def state_of(driver: WebDriver, thread: str, slot: str) -> str:
    cells = driver.find_all(f'section.thread[data-thread="{thread}"] '
                            f'tr.slot[data-slot="{slot}"] td.value')
    if not cells:
        raise BrowserTestFailed(f"no state row for {thread}/{slot}")
    return driver.text(cells[0])


def development_status(driver: WebDriver, development_id: str) -> str | None:
    """The status shown for a development, or None when the list does not show it."""
    found = driver.find_all(f"li#development-{development_id}")
    return driver.attribute(found[0], "data-status") if found else None


def click_and_wait(driver: WebDriver, element: str, what: str, check: Any) -> Any:
    driver.click(element)
    return driver.wait_until(what, _quietly(check))


def review_from_the_page(driver: WebDriver) -> None:
    """Dismiss the latest move of a slot, see the state go back, reopen it, confirm another."""
    candidates = []
    for item in driver.find_all('li.development[data-sets-state="true"][data-status="open"]'):
        previous = driver.find_in(item, "span.previous")
        if previous:
            candidates.append((item, driver.text(previous[0])))
    if not candidates:
        raise BrowserTestFailed("no open development that moved a slot from an earlier value")
    item, previous = candidates[0]
    development_id = driver.attribute(item, "data-development-id") or ""
    thread = driver.attribute(item, "data-thread") or ""
    slot = driver.attribute(item, "data-slot") or ""
    value = driver.text(driver.find_in(item, "b.value")[0])
    if state_of(driver, thread, slot) != value:
        raise BrowserTestFailed(f"{thread}/{slot} does not show {value!r} as its state")

    reason = "the figure is a misreading of the briefing"
    driver.type(driver.find_in(item, 'input[name="reason"]')[0], reason)
    click_and_wait(driver, driver.find_in(item, "button.dismiss")[0],
                   f"development {development_id} to leave the list",
                   lambda: driver.find_all("form.filters")
                   and development_status(driver, development_id) is None)
    now = state_of(driver, thread, slot)
    print(f"  dismissed #{development_id} ({thread}/{slot} {value!r}): state now {now!r}",
          flush=True)
    if now != previous:
        raise BrowserTestFailed(f"after dismissing {value!r}, {thread}/{slot} shows {now!r}, "
                                f"not the earlier {previous!r}")

    driver.click(driver.wait_for('form.filters select[name="status"] option[value="dismissed"]')[0])
    item = click_and_wait(driver, driver.find_all("form.filters button[type=submit]")[0],
                          "the dismissed filter to show it",
                          lambda: driver.find_all(f"li#development-{development_id}"))[0]
    if reason not in driver.text(item) or "dismissed by" not in driver.text(item):
        raise BrowserTestFailed(f"the dismissed development does not show who and why: "
                                f"{driver.text(item)!r}")
    click_and_wait(driver, driver.find_in(item, "button.reopen")[0], "the reopen to go through",
                   lambda: driver.find_all("form.filters")
                   and development_status(driver, development_id) is None)
    click_and_wait(driver, driver.find_all('form.filters a[href="threads"]')[0],
                   "the default list to show it again",
                   lambda: development_status(driver, development_id) == "open")
    if state_of(driver, thread, slot) != value:
        raise BrowserTestFailed(f"after reopening, {thread}/{slot} does not show {value!r}")
    print(f"  reopened #{development_id}: state {value!r} again", flush=True)

    others = [e for e in driver.find_all('li.development[data-status="open"]')
              if driver.attribute(e, "data-development-id") != development_id]
    if not others:
        raise BrowserTestFailed("no second open development to confirm")
    other_id = driver.attribute(others[0], "data-development-id") or ""
    click_and_wait(driver, driver.find_in(others[0], "button.confirm")[0],
                   f"development {other_id} to show as confirmed",
                   lambda: development_status(driver, other_id) == "confirmed")
    print(f"  confirmed #{other_id}", flush=True)


def search_and_open(driver: WebDriver, word: str, search_shot: Path, article_shot: Path) -> None:
    """Search `word` from the page's box, then open the first result's article page."""
    driver.type(driver.wait_for('header.desk input[name="q"]')[0], word)
    hits = click_and_wait(driver, driver.find_all("header.desk button[type=submit]")[0],
                          f"results for {word!r}", lambda: driver.find_all("li.hit"))
    marked = [driver.text(m) for m in driver.find_in(hits[0], "mark")]
    if not marked:
        raise BrowserTestFailed(f"the first result for {word!r} marks no matching word")
    link = driver.find_in(hits[0], "a.article")[0]
    title = driver.text(link)
    print(f"  search {word!r}: {len(hits)} result(s); first {title!r}, marked {marked[:3]}",
          flush=True)
    driver.frame(None)
    driver.screenshot(search_shot)
    driver.frame(driver.wait_for("iframe")[0])
    click_and_wait(driver, driver.wait_for("li.hit a.article")[0], "the article page",
                   lambda: driver.find_all("li.version"))
    heading = driver.text(driver.find_all("h1")[0])
    if heading != title:
        raise BrowserTestFailed(f"the article page is titled {heading!r}, not {title!r}")
    sections = [driver.attribute(e, "id") for e in driver.find_all("h2[id]")]
    if sections[:2] != ["versions", "developments"] or "claims" not in sections:
        raise BrowserTestFailed(f"the article page lacks a section: {sections}")
    driver.frame(None)
    driver.screenshot(article_shot)


def sibling(screenshot: Path, name: str) -> Path:
    return screenshot.with_name(f"{screenshot.stem}-{name}{screenshot.suffix}")


def run(base_url: str, user: str, password: str, screenshot: Path, *,
        expect_developments: bool = True, expect_literal_script: bool = False,
        search_word: str | None = None, screenshot_thread: str | None = None) -> Path:
    """The whole browser test; the Threads page screenshot's path (the others beside it).

    With `search_word`, the analyst's desk too: review, search, article page; the
    Threads page is then shot taller, filtered to `screenshot_thread` when given.
    """
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        raise BrowserTestFailed("chromium and chromedriver are not installed "
                                "(apt-get install chromium chromium-driver)")
    check_anonymous_is_refused(base_url)
    check_review_refusals(base_url, user, password)
    work = Path(tempfile.mkdtemp(prefix="sw-chromium-", dir="/tmp"))
    driver = WebDriver(work / "profile", screenshot.with_suffix(".chromedriver.log"))
    shots = [screenshot]
    try:
        log_in(driver, base_url, user, password)
        driver.open(base_url + "/plugin/threads")
        frame = driver.wait_for("iframe")[0]
        source = driver.attribute(frame, "src") or ""
        if "storywatch/threads" not in source:
            raise BrowserTestFailed(f"the Threads entry frames {source!r}, not the plugin page")
        driver.frame(frame)
        driver.wait_for("section.thread")
        threads = [driver.attribute(e, "data-thread") for e in driver.find_all("section.thread")]
        developments = driver.find_all("li.development")
        if expect_developments and not developments:
            raise BrowserTestFailed(f"the Threads page shows threads {threads} but no development")
        for element in developments[:5]:
            text = driver.text(element)
            if "version " not in text:
                raise BrowserTestFailed(f"a development lacks its versions link: {text!r}")
        evidence = driver.find_all("li.development blockquote.evidence")
        if developments and not evidence:
            raise BrowserTestFailed("no development shows its evidence sentence")
        if driver.find_all("script"):
            raise BrowserTestFailed("the Threads page contains a <script> element")
        hostile = [driver.text(e) for e in driver.find_all("li.development .article")
                   if "<script>" in driver.text(e)]
        print(f"  threads: {threads}; developments shown: {len(developments)}; "
              f"titles shown with a literal <script>: {len(hostile)}", flush=True)
        if expect_literal_script and not hostile:
            raise BrowserTestFailed("the article titled '<script>...' is not shown as text")
        charts = driver.find_all("figure.chart svg")
        print(f"  charts: {len(charts)}", flush=True)
        if search_word:
            review_from_the_page(driver)
            click_and_wait(driver, driver.find_all('header.desk a[href="threads"]')[0],
                           "the Threads page again", lambda: driver.find_all("section.thread"))
            if screenshot_thread:
                driver.click(driver.wait_for(f'form.filters select[name="thread"] '
                                             f'option[value="{screenshot_thread}"]')[0])
                click_and_wait(driver, driver.find_all("form.filters button[type=submit]")[0],
                               f"the page filtered to {screenshot_thread}",
                               lambda: [driver.attribute(e, "data-thread") for e in
                                        driver.find_all("section.thread")] == [screenshot_thread])
            driver.resize(1400, 1500)
        driver.frame(None)
        driver.screenshot(screenshot)
        if search_word:
            driver.resize(1400, 1000)
        if search_word:
            shots += [sibling(screenshot, "search"), sibling(screenshot, "article")]
            driver.frame(driver.wait_for("iframe")[0])
            search_and_open(driver, search_word, shots[1], shots[2])
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    for shot in shots:
        spread = pixel_stddev(shot)
        print(f"  screenshot {shot}: grey-level standard deviation {spread:.1f}", flush=True)
        if spread < MIN_PIXEL_STDDEV:
            raise BrowserTestFailed(f"the screenshot {shot} looks blank "
                                    f"(standard deviation {spread:.1f})")
    return screenshot


def main() -> int:
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    base_url, user, password, out = sys.argv[1:5]
    try:
        run(base_url.rstrip("/"), user, password, Path(out),
            search_word=sys.argv[5] if len(sys.argv) == 6 else None)
    except (BrowserTestFailed, localrun.StorywatchError) as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    print("PASSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
