"""Headless Chromium driven over the DevTools protocol on a pipe: no port, no extra package.

Used by the report test and the report benchmark. Chromium reads protocol messages from
file descriptor 3 and writes them to 4 (``--remote-debugging-pipe``), NUL-separated JSON.
Every page request (``Network.requestWillBeSent``) and dialog
(``Page.javascriptDialogOpening``) is recorded; dialogs are dismissed so a page cannot hang.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)
#: With ``loopback``, pages may reach 127.0.0.1 (a local server under test) and nothing else.
LOOPBACK_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


class BrowserError(RuntimeError):
    """Chromium failed, timed out or answered a command with an error."""


def _high(fds: tuple[int, int]) -> tuple[int, int]:
    """The same pipe on descriptors above 9, so that moving them to 3 and 4 clobbers nothing."""
    moved = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds)
    for fd in fds:
        os.close(fd)
    return moved  # type: ignore[return-value]


class Chromium:
    """One headless Chromium with one page; use as a context manager.

    Every host name fails to resolve, so a page reaches no network; ``loopback`` lets it
    reach 127.0.0.1 (the desk's test server).
    """

    def __init__(
        self, executable: str = CHROMIUM, timeout: float = 60.0, loopback: bool = False
    ) -> None:
        self.timeout = timeout
        flags = [LOOPBACK_RULES if loopback and f.startswith("--host-") else f for f in FLAGS]
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self._profile = tempfile.mkdtemp(prefix="samestory-chromium-")
        to_browser, self._writer = _high(os.pipe())
        self._reader, from_browser = _high(os.pipe())
        # bash (dash cannot name descriptors above 9) moves our pipe ends to 3 and 4.
        script = (
            f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser} {to_browser}<&- {from_browser}>&-'
        )
        self._process = subprocess.Popen(
            ["bash", "-c", script, executable, *flags, f"--user-data-dir={self._profile}"],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
        )
        self._session = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", browser=True)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._reader, self._writer):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _post(self, method: str, params: dict[str, Any], browser: bool) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session and not browser:
            message["sessionId"] = self._session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._reader], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._reader, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            self._post("Page.handleJavaScriptDialog", {"accept": False}, browser=False)

    def send(
        self, method: str, params: dict[str, Any] | None = None, browser: bool = False
    ) -> dict[str, Any]:
        """Send one command (to the page unless ``browser``) and return its result."""
        number = self._post(method, params or {}, browser)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == number:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self._event(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Load a local file at a viewport size and wait for its ``load`` event.

        Forgets the requests and dialogs recorded before.
        """
        self.requests.clear()
        self.dialogs.clear()
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, condition: str, timeout: float | None = None) -> None:
        """Poll a JavaScript condition until it is true."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {condition}")
            time.sleep(0.02)

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the viewport."""
        shot = self.send("Page.captureScreenshot", {"format": "png"})
        Path(path).write_bytes(base64.b64decode(shot["data"]))
