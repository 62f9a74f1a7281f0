"""Small retrieval units that point at chunks: the notes' sentences, the question bank's
wordings of each question pointing at the chunks its key-point quotes sit in, and the bank's
follow-up questions pointing at the chunk of the key point each one asks about.

A chunk is found when any of its sentences is close to the query (a long chunk is no longer
diluted by its other ideas), and when the query is close to a bank question whose answer lies
in it (the bank holds ~1,100 wordings of ~300 questions: paraphrases the notes never use).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.corpus.chunking import Chunk
from tutor.grading.bank import QuestionBank, cached_bank
from tutor.settings import Settings
from tutor.text import collapse

_SENTENCE = re.compile(r"(?<=[.?!다])\s+")
MIN_SENTENCE_CHARS = 4


@dataclass(frozen=True)
class Unit:
    id: str
    kind: str  # "sentence" | "bank" | "follow_up"
    text: str
    chunks: tuple[str, ...]  # ids of the chunks this unit points at
    owner: str = ""


def _unit_id(kind: str, text: str, chunks: Sequence[str]) -> str:
    digest = hashlib.sha1("\x1f".join([kind, text, *chunks]).encode("utf-8")).hexdigest()[:16]
    return f"{kind[0]}-{digest}"


def sentences(text: str) -> list[str]:
    """The note's lines, split further at sentence ends; fragments under 4 characters dropped."""
    out = []
    for line in text.splitlines():
        for part in _SENTENCE.split(line.strip()):
            if len(part.strip()) >= MIN_SENTENCE_CHARS:
                out.append(part.strip())
    return out


def sentence_units(chunks: Sequence[Chunk]) -> list[Unit]:
    units: dict[str, Unit] = {}
    for chunk in chunks:
        for sentence in sentences(chunk.text):
            unit = Unit(_unit_id("sentence", sentence, (chunk.id,)), "sentence", sentence, (chunk.id,), chunk.owner)
            units[unit.id] = unit
    return list(units.values())


class _Quotes:
    """Which shipped chunks hold a key point's quote (whitespace collapsed, same note)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self._shipped = [(c, collapse(c.text)) for c in chunks if c.owner == ""]

    def holders(self, point) -> list[str]:
        quote = collapse(point.quote)
        return [c.id for c, flat in self._shipped if quote and c.source == point.source and quote in flat]


def bank_pointers(bank: QuestionBank, chunks: Sequence[Chunk]) -> list[tuple[int, dict[str, float]]]:
    """For each bank question (by index): the shipped chunks holding its quotes, each weighted by
    its share of the question's quotes. Questions whose quotes are nowhere are left out."""
    quotes = _Quotes(chunks)
    pointers = []
    for qi, question in enumerate(bank.questions):
        counts: dict[str, int] = {}
        for point in question.key_points:
            for cid in quotes.holders(point):
                counts[cid] = counts.get(cid, 0) + 1
        if counts:
            total = sum(counts.values())
            pointers.append((qi, {cid: n / total for cid, n in counts.items()}))
    return pointers


def bank_units(bank: QuestionBank, chunks: Sequence[Chunk]) -> list[Unit]:
    """Every wording of a bank question (the question and its aliases), pointing at its chunks."""
    units: dict[str, Unit] = {}
    for qi, targets in bank_pointers(bank, chunks):
        question = bank.questions[qi]
        ids = tuple(sorted(targets))
        for wording in (question.question, *question.aliases):
            unit = Unit(_unit_id("bank", wording, ids), "bank", wording, ids)
            units[unit.id] = unit
    return list(units.values())


def follow_up_units(bank: QuestionBank, chunks: Sequence[Chunk]) -> list[Unit]:
    """Every curated follow-up question, pointing at the chunk that holds its key point's quote:
    a narrower question than the bank question, with a narrower target."""
    quotes = _Quotes(chunks)
    units: dict[str, Unit] = {}
    for question in bank.questions:
        points = {p.id: p for p in question.key_points}
        for follow_up in question.follow_ups:
            point = points.get(follow_up.key_point)
            ids = tuple(sorted(quotes.holders(point))) if point is not None else ()
            if ids:
                unit = Unit(_unit_id("follow_up", follow_up.question, ids), "follow_up", follow_up.question, ids)
                units[unit.id] = unit
    return list(units.values())


def bank_document(bank: QuestionBank, qi: int) -> str:
    """A bank question's wordings and key points as one text, for lexical matching."""
    q = bank.questions[qi]
    return " ".join([q.question, *q.aliases, *(p.point for p in q.key_points)])


def bank_of(settings: Settings) -> QuestionBank | None:
    """The question bank beside the notes, or None for a corpus that has none (search works without)."""
    return cached_bank(settings.bank_dir) if settings.bank_dir.is_dir() else None


def units_for(chunks: Sequence[Chunk], settings: Settings) -> list[Unit]:
    """What the index holds beside the chunks: every chunk's sentences and the bank's pointers."""
    bank = bank_of(settings)
    if bank is None:
        return sentence_units(chunks)
    return sentence_units(chunks) + bank_units(bank, chunks) + follow_up_units(bank, chunks)
