"""Who may log in to the browser tutor: `TUTOR_AUTH=user:pass,user2:pass2`, or the path of a
file with one `user:pass` per line (# comments allowed). Required off loopback."""

from __future__ import annotations

import hmac
import ipaddress
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


def checker(users: dict[str, str]) -> Callable[[str, str], bool]:
    """Gradio's login callback; compares in constant time so timing tells nothing."""

    def check(user: str, password: str) -> bool:
        expected = users.get(user)
        return expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())

    return check


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
