"""Normalising text a user typed or pasted: the one place control characters are removed."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (except newline and tab), zero-width and bidi marks, BOM, replacement char, and
# lone surrogates (a browser can send "\ud800"; UTF-8 cannot store it).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ufffd\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """NFC-normalised text with control and invisible characters replaced by spaces."""
    return unicodedata.normalize("NFC", CONTROL.sub(" ", text or ""))


def collapse(text: str) -> str:
    """Every whitespace run as one space: how quotes are compared with the notes."""
    return re.sub(r"\s+", " ", text).strip()


SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Lone surrogates (which UTF-8 cannot hold) as U+FFFD; everything else as typed."""
    return SURROGATE.sub("\ufffd", text)
