"""Who may log in to the browser tutor: `TUTOR_AUTH=user:pass,user2:pass2`, or the path of a
file with one `user:pass` per line (# comments allowed). Required off loopback."""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from tutor import messages
from tutor.errors import InvalidInputError


def parse_auth(value: str | None) -> dict[str, str]:
    if not value or not value.strip():
        return {}
    path = Path(value.strip()).expanduser()
    if path.is_file():
        entries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        entries = [e for e in entries if e and not e.startswith("#")]
    elif ":" not in value and ("/" in value or value.endswith(".txt")):
        raise InvalidInputError(messages.AUTH_FILE_MISSING.format(path=value))
    else:
        entries = [e.strip() for e in value.split(",") if e.strip()]
    users: dict[str, str] = {}
    for entry in entries:
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise InvalidInputError(messages.AUTH_BAD_ENTRY.format(entry=user.strip() or entry[:20]))
        users[user.strip()] = password
    return users


# Failed logins: after MAX_FAILURES within WINDOW seconds, a user name (or an address) is refused
# for LOCKOUT seconds, the right password included, so guessing runs at a few tries a minute.
MAX_FAILURES = 5
WINDOW = 300.0
LOCKOUT = 60.0


class Throttle:
    """Failures per key (a user name or a client address) in a sliding window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            return self._locked_until.get(key, 0.0) > self.clock()

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] < now - WINDOW:
                times.popleft()
            if len(times) >= MAX_FAILURES:
                self._locked_until[key] = now + LOCKOUT
                times.clear()
            if len(self._failures) > 10000:  # a flood of made-up names must not grow memory forever
                self._failures = {k: v for k, v in self._failures.items() if v and v[-1] >= now - WINDOW}

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def checker(users: dict[str, str], throttle: Throttle | None = None) -> Callable[[str, str], bool]:
    """Gradio's login callback; compares in constant time so timing tells nothing, and refuses a
    user name with too many recent failures."""
    throttle = throttle or Throttle()

    def check(user: str, password: str) -> bool:
        if throttle.blocked(user):
            return False
        expected = users.get(user)
        ok = expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())
        (throttle.succeeded if ok else throttle.failed)(user)
        return ok

    return check


class LoginThrottle:
    """ASGI middleware: an address with too many failed logins gets 429 (in Korean) for a while."""

    def __init__(self, app, throttle: Throttle | None = None) -> None:
        self.app = app
        self.throttle = throttle or Throttle()

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "POST" or not scope.get("path", "").rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        address = (scope.get("client") or ("?",))[0]
        if self.throttle.blocked(address):
            body = json.dumps({"detail": messages.LOGIN_THROTTLED.format(seconds=int(LOCKOUT))}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"retry-after", str(int(LOCKOUT)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def watch(message):
            if message["type"] == "http.response.start":
                status = message["status"]
                if status in (400, 401):
                    self.throttle.failed(address)
                elif status < 300:
                    self.throttle.succeeded(address)
            await send(message)

        return await self.app(scope, receive, watch)


def is_loopback(host: str) -> bool:
    """Only a loopback address serves without login ("" is not an address: Gradio reads
    GRADIO_SERVER_NAME then, see `serving_host`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serving_host(host: str | None, environ: dict[str, str]) -> str:
    """The address Gradio will really bind: `--host`, else GRADIO_SERVER_NAME, else 127.0.0.1."""
    return (host or "").strip() or environ.get("GRADIO_SERVER_NAME", "").strip() or "127.0.0.1"
