"""A real headless Chromium (Debian's chromium and chromium-driver) driven through Selenium.

Nothing is downloaded: the browser and its driver are the system's. Without them the page tests
are skipped, unless BACKPROP_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.keys import Keys

__all__ = [
    "Keys",
    "boxes_overlap",
    "console_problems",
    "current",
    "driver",
    "keys",
    "load",
    "paste",
    "requests",
    "retype",
    "visible_text",
]

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER = "/usr/bin/chromedriver"
# The closed network of a build machine refuses connections, and a browser that tries them at start
# (updates, sync, field trials) is slow and noisy: switch all of that off.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]


def find_browser() -> tuple[str, str] | None:
    binary = next((path for path in CHROMIUM if os.path.exists(path)), None)
    driver = DRIVER if os.path.exists(DRIVER) else shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    """One browser for the session; each test loads its own page.

    conftest.py imports this fixture, so that pytest knows ONE definition of it: a test module that
    imported it too would define its own, and start its own browser (two to three seconds each)."""
    found = find_browser()
    if found is None:
        message = "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("BACKPROP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    binary, path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="backprop-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser: Any = webdriver.Chrome(service=Service(path), options=options)
    browser.get("about:blank")  # the browser's own start-up pages are not the page's requests
    browser.get_log("performance")
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def load(browser: Any, path: Path) -> None:
    """Open a page file, after emptying the logs of the previous page.

    They are emptied while that page is still open, without a stop at about:blank (a navigation of
    its own, about 40 ms of the browser's CPU a page): every command that made it log has returned
    by then, and the pages start nothing that logs later (no timers, no unload handlers), so what the
    logs hold after the navigation is the new page's. The same file loaded again is read again."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.as_uri())


def requests(browser: Any) -> list[str]:
    """Every URL the page asked for since it was loaded (from the DevTools network log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_problems(browser: Any) -> list[str]:
    """Errors and warnings on the page's console."""
    return [e["message"] for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def boxes_overlap(browser: Any) -> list[tuple[str, str]]:
    """Pairs of labels (non-empty SVG texts) whose boxes on screen overlap."""
    script = """
    const texts = [...document.querySelectorAll('#circuit text')].filter((t) => t.textContent);
    const boxes = texts.map((t) => [t.textContent, t.getBoundingClientRect()]);
    const circles = [...document.querySelectorAll('#circuit circle')].map((c) => ['(circle)', c.getBoundingClientRect()]);
    const hits = [];
    const all = [...boxes, ...circles];
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < all.length; b++) {
        const [p, q] = [all[a][1], all[b][1]];
        const inside = all[b][0] === '(circle)' && p.left >= q.left && p.right <= q.right && p.top >= q.top && p.bottom <= q.bottom;
        if (!inside && p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
          hits.push([all[a][0], all[b][0]]);
      }
    return hits;
    """
    hits: list[tuple[str, str]] = browser.execute_script(script)
    return hits


def keys(browser: Any, *names: str) -> None:
    """Press keys on the page: Selenium's names in capitals (HOME, ARROW_RIGHT), characters as they are."""
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(browser)
    for name in names:
        chain.send_keys(getattr(Keys, name) if name.isupper() else name)
    chain.perform()


VISIBLE_TEXT = """
const seen = (id) => {
  const element = document.getElementById(id);
  const shown = element.checkVisibility({ visibilityProperty: true, opacityProperty: true });
  return shown ? element.innerText.trim() : "";
};
"""
"""`seen(id)`: an element's text as a reader sees it, as WebDriver's element text reads it: nothing when
it is hidden (display, visibility, opacity), else its rendered text (innerText). The same strings for
the one-line elements read with it (the panel's phase and line, compared on 240 steps of every demo,
and an input's problem); WebDriver joins block children with one newline, innerText with two."""


def visible_text(browser: Any, *ids: str) -> list[str]:
    """The text of one-line elements as a reader sees it, all of them in one command."""
    texts: list[str] = browser.execute_script(VISIBLE_TEXT + "return arguments[0].map(seen);", list(ids))
    return texts


def current(browser: Any) -> tuple[list[int], str, str]:
    """The highlighted nodes, the panel's phase and its line (one command, not one per element)."""
    script = """
    const nodes = [...document.querySelectorAll("#circuit .node.current")];
    return [nodes.map((n) => Number(n.getAttribute("data-node"))), seen("phase"), seen("line")];
    """
    nodes, phase, line = browser.execute_script(VISIBLE_TEXT + script)
    return nodes, phase, line


def retype(field: Any, text: str) -> None:
    """Replace what a field holds by typing, as a user does: Ctrl+A selects it all, then each key of
    the text is pressed (the field fires an input event per key), in one command."""
    field.send_keys(Keys.CONTROL, "a", Keys.NULL, text)


def paste(browser: Any, field_id: str, text: str) -> None:
    """Replace what a field holds in one edit, as pasting does: select it all, then the browser
    inserts the text (one trusted input event, not one per key: typing 600 characters costs the
    browser about 1.5 s of CPU). For tests about the numbers; typing has tests of its own."""
    script = "const field = document.getElementById(arguments[0]); field.focus(); field.select();"
    browser.execute_script(script, field_id)
    browser.execute_cdp_cmd("Input.insertText", {"text": text})
