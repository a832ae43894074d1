"""`scheduler-game serve`: the game in a browser, from localhost alone.

The first test reads the page over HTTP: it and every script, stylesheet and font it names
come from localhost. The second plays it in headless Chromium with every other host made
unreachable, so a fetch from a CDN would show as a failed request: level select, Enter
opens a level, ctrl+r runs it, and the verdict is read off the browser's terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Written in the page as data, never fetched: the SVG logo's namespace.
NOT_FETCHED = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"""https?://[^\s"'()<>]+""")
PROTOCOL_RELATIVE = re.compile(r"""(?:\b(?:src|href)\s*=\s*|url\(\s*)["']?(//[^\s"'()<>]+)""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command() -> list[str]:
    """`scheduler-game serve`: the script installed beside this Python, else `-m`."""
    script = Path(sys.executable).with_name("scheduler-game")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "scheduler_game", "serve"]


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, reply.headers.get_content_type(), reply.read()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A `scheduler-game serve --port PORT` of our own, on a fresh save home: its URL.
    It is stopped with SIGINT (ctrl+c) and must then exit 0 within 30 s."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, SCHEDULER_GAME_HOME=str(tmp_path / "home"))
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*serve_command(), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"serve exited {server.returncode}:\n{log.read_text()}"
            with contextlib.suppress(OSError):
                if get(url + "/")[0] == 200:
                    break
            assert time.monotonic() < deadline, f"serve did not answer:\n{log.read_text()}"
            time.sleep(0.1)
        assert f"Serving Yield on {url}" in log.read_text()
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            code = None
    assert code == 0, f"serve did not stop cleanly on ctrl+c ({code}):\n{log.read_text()}"


class Refs(HTMLParser):
    """What a page fetches: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.others: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and a.get("href"):
            (self.styles if a.get("rel") == "stylesheet" else self.others).append(a["href"])
        elif a.get("src"):
            self.others.append(a["src"])


def foreign_urls(text: str) -> list[str]:
    """The http(s) and protocol-relative URLs in `text` to any host but localhost,
    comments aside (CSS's credit xterm.js's sources)."""
    text = re.sub(r"/\*.*?\*/|<!--.*?-->", "", text, flags=re.DOTALL)
    found = URL.findall(text) + ["http:" + u for u in PROTOCOL_RELATIVE.findall(text)]
    return [u for u in found if u not in NOT_FETCHED and urlsplit(u).hostname not in LOCAL_HOSTS]


def test_the_page_and_all_it_loads_come_from_localhost(served):
    status, kind, body = get(served + "/")
    assert (status, kind) == (200, "text/html")
    html = body.decode()
    assert foreign_urls(html) == []  # the HTML itself, and its inline styles
    refs = Refs()
    refs.feed(html)
    assert refs.scripts, "the page names no script"
    assert refs.styles, "the page names no stylesheet"
    fetched = [*refs.scripts, *refs.styles, *refs.others, *CSS_URL.findall(html)]
    for ref in refs.styles:  # a stylesheet's own url(...)s and @imports
        css = get(urljoin(served + "/", ref))[2].decode()
        assert foreign_urls(css) == [], ref
        fetched += [urljoin(ref, u) for u in CSS_URL.findall(css)]
    assert any("fonts/" in ref for ref in fetched), "the terminal font is not served"
    for ref in fetched:
        url = urljoin(served + "/", ref)
        assert urlsplit(url).hostname in LOCAL_HOSTS, url
        status, _, data = get(url)
        assert status == 200 and data, url


def test_each_tab_runs_this_python_with_the_same_levels(tmp_path, monkeypatch):
    from scheduler_game.serve import game_command

    monkeypatch.chdir(tmp_path)
    here = tmp_path.resolve()
    command = shlex.split(game_command(["my levels", str(tmp_path)]))
    assert command == [sys.executable, "-m", "scheduler_game",
                       "--levels", str(here / "my levels"), "--levels", str(here)]  # fmt: skip


# ----------------------------------------------------------------- in Chromium

CHROMIUM = next(
    (p for p in map(shutil.which, ["chromium", "chromium-browser"]) if p is not None), None
)

# Runs in the page before its own script: keeps each xterm.js Terminal it makes (the
# public Terminal sets `_addonManager` in its constructor), to read the screen as text.
SCREEN_HOOK = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "_addonManager", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "_addonManager", {value, writable: true, configurable: true});
    window.__terminals.push(this);
  },
});
window.__screen = () => {
  const t = window.__terminals[0];
  if (!t) return null;
  const buffer = t.buffer.active, rows = [];
  for (let y = 0; y < t.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
};
"""


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data:
                self.waiting.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        key = next(self.ids)
        self.waiting[key] = asyncio.get_running_loop().create_future()
        await self.ws.send_json({"id": key, "method": method, "params": params})
        reply = await asyncio.wait_for(self.waiting[key], 30)
        assert "error" not in reply, (method, reply)
        return reply["result"]

    async def js(self, expression: str) -> Any:
        reply = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return reply["result"].get("value")

    async def key(self, key: str, code: str, keycode: int, text: str = "", ctrl=False) -> None:
        typed = {"key": key, "code": code, "windowsVirtualKeyCode": keycode}
        typed["modifiers"] = 2 if ctrl else 0
        await self.call("Input.dispatchKeyEvent", type="keyDown", text=text, **typed)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **typed)

    async def screen_until(self, pattern: str, timeout: float) -> str:
        """The terminal's text, once `pattern` is on it."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = await self.js("window.__screen && window.__screen()") or ""
            if re.search(pattern, text):
                return text
            await asyncio.sleep(0.1)
        raise AssertionError(f"{pattern!r} never showed; the screen:\n{text}")


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[int]:
    """Headless Chromium that can reach localhost and nothing else: its DevTools port."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-crash-reporter",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--remote-debugging-port=0",
        "--window-size=1280,800",
        "about:blank",
    ]
    browser = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        active = profile / "DevToolsActivePort"  # Chromium writes its port there
        deadline = time.monotonic() + 30
        while not (active.exists() and len(active.read_text().split()) >= 2):
            assert browser.poll() is None, f"chromium exited {browser.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.05)
        yield int(active.read_text().split()[0])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGTERM)  # the group this test started for it
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")
async def test_the_game_plays_in_a_browser_offline(served):
    import aiohttp  # comes with textual-serve

    clock = time.monotonic()
    timings = {}
    with tempfile.TemporaryDirectory() as profile, chromium(Path(profile)) as port:
        timings["chromium up"] = time.monotonic() - clock
        async with aiohttp.ClientSession() as http:
            targets = await (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tab = DevTools(ws)
                for domain in ("Network", "Page", "Runtime"):
                    await tab.call(f"{domain}.enable")
                await tab.call("Page.addScriptToEvaluateOnNewDocument", source=SCREEN_HOOK)
                await tab.call("Page.navigate", url=served + "/")

                # The list is read in the background: Enter works once it shows, with
                # the recommended level highlighted.
                shown = await tab.screen_until(r"choose a level(.|\n)*◀ next", 60)
                timings["level select"] = time.monotonic() - clock
                assert await tab.js("window.__terminals.length") == 1
                await tab.js("document.querySelector('.xterm-helper-textarea').focus()")
                await tab.key("Enter", "Enter", 13, text="\r")
                shown = await tab.screen_until(r"Timeline", 60)
                assert "choose a level" not in shown
                timings["level open"] = time.monotonic() - clock
                await tab.key("r", "KeyR", 82, ctrl=True)
                shown = await tab.screen_until(r"Not yet|Solved", 120)
                timings["verdict"] = time.monotonic() - clock
                verdict = next(ln for ln in shown.splitlines() if re.search("Not yet|Solved", ln))

                fonts = await tab.js(
                    "[...document.fonts].filter(f => f.family.includes('Roboto Mono'))"
                    ".map(f => f.status)"
                )
                tab.reader.cancel()
    events = tab.events
    asked = [e["params"]["request"]["url"] for e in events
             if e["method"] == "Network.requestWillBeSent"]  # fmt: skip
    asked += [e["params"]["url"] for e in events if e["method"] == "Network.webSocketCreated"]
    failed = [e["params"] for e in events if e["method"] == "Network.loadingFailed"]
    thrown = [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"]
    foreign = [u for u in asked if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"the page fetched from other hosts: {foreign}"
    assert any(u.startswith("ws://localhost") for u in asked)
    assert failed == [], failed
    assert thrown == [], thrown
    assert "loaded" in fonts, f"the terminal font did not load from localhost: {fonts}"
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    print(f"chromium: {steps}; verdict: {verdict.strip(' █')}")  # shown with -s
