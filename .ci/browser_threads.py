#!/usr/bin/env python3
"""The Threads page in a real headless Chromium: log in, open the page, find the developments.

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
5. a screenshot of the dashboard is saved and must not be blank (pixel variance).

Run by .ci/celery_e2e.py against the Airflow it started; also runnable alone:
    .venv/bin/python .ci/browser_threads.py BASE_URL USER PASSWORD OUT.png
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

CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
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

    def type(self, element: str, text: str) -> None:
        self.call("POST", f"/element/{element}/value", {"text": text})

    def click(self, element: str) -> None:
        self.call("POST", f"/element/{element}/click")

    def frame(self, element: str | None) -> None:
        self.call("POST", "/frame", {"id": {ELEMENT: element} if element else None})

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


def run(base_url: str, user: str, password: str, screenshot: Path, *,
        expect_developments: bool = True, expect_literal_script: bool = False) -> Path:
    """The whole browser test; the screenshot's path."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        raise BrowserTestFailed("chromium and chromedriver are not installed "
                                "(apt-get install chromium chromium-driver)")
    check_anonymous_is_refused(base_url)
    work = Path(tempfile.mkdtemp(prefix="sw-chromium-", dir="/tmp"))
    driver = WebDriver(work / "profile", screenshot.with_suffix(".chromedriver.log"))
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
        driver.frame(None)
        driver.screenshot(screenshot)
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    spread = pixel_stddev(screenshot)
    print(f"  screenshot {screenshot}: grey-level standard deviation {spread:.1f}", flush=True)
    if spread < MIN_PIXEL_STDDEV:
        raise BrowserTestFailed(f"the screenshot looks blank (standard deviation {spread:.1f})")
    return screenshot


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, user, password, out = sys.argv[1:]
    try:
        run(base_url.rstrip("/"), user, password, Path(out))
    except BrowserTestFailed as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    print("PASSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
