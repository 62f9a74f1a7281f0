"""Normalising text a user typed or pasted: the one place control characters are removed."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (except newline and tab), zero-width and bidi marks, BOM, replacement char.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ufffd]")


def strip_controls(text: str) -> str:
    """NFC-normalised text with control and invisible characters replaced by spaces."""
    return unicodedata.normalize("NFC", CONTROL.sub(" ", text or ""))


def collapse(text: str) -> str:
    """Every whitespace run as one space: how quotes are compared with the notes."""
    return re.sub(r"\s+", " ", text).strip()
