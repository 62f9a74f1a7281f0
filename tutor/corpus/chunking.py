"""Structure-aware chunking: one chunk is one idea under the notes' own headings.

The notes mix many outline styles ("1.", "1)", "①", "*", "》", "Critical Issue", "해결책",
"Q.", "[분류]", "제목:"). Which style nests under which differs by file, so nesting is
learned per file the way outline parsers do it: a marker style seen for the first time
nests under the current heading; a style already on the stack closes everything below it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from tutor.corpus.notes import Note

CHUNKER_VERSION = "1"
MIN_CHARS = 150
MAX_CHARS = 700

# (style, pattern) checked in order; the first match decides the line's heading style.
_HEADING_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("post", re.compile(r"^## (?P<h>.+)")),
    ("part", re.compile(r"^Part [IVX]+\.")),
    ("issue", re.compile(r"^Critical Issue \d+")),
    ("remedy", re.compile(r"^(Remedy|해결책) \d+")),
    ("num-dot", re.compile(r"^\d{1,2}\. \S")),
    ("num-paren", re.compile(r"^\d{1,2}\) \S")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
    ("star", re.compile(r"^\* \S")),
    ("chevron", re.compile(r"^》")),
    ("question", re.compile(r"^Q\. ")),
    ("bracket", re.compile(r"^\[[^\]]{1,30}\]$")),
    ("colon", re.compile(r"^[^\-·*].{1,50}:$")),
)
_BULLET = re.compile(r"^(·|-|->|①|②|③|④|⑤|⑥)")
# Styles whose depth is fixed by meaning: a "2." or "Critical Issue 2" closes every
# looser outline level opened below the previous one.
_STRONG_RANK = {"post": 0, "part": 1, "issue": 1, "num-dot": 2, "remedy": 2, "num-paren": 3}
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    title: str
    heading_path: tuple[str, ...]
    start: int
    end: int
    text: str  # verbatim: note.text[start:end]
    owner: str = ""  # "" for the shipped notes, else the user who added the note

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    @property
    def context(self) -> str:
        """A header line that gives the chunk its place in the notes (indexed, never quoted)."""
        return f"[{self.title}] {self.heading}".strip()

    @property
    def indexed_text(self) -> str:
        return f"{self.context}\n{self.text}"


@dataclass
class _Span:
    path: tuple[str, ...]
    start: int
    end: int
    lines: list[tuple[int, int]] = field(default_factory=list)
    main_size: int = 0  # size of the block whose headings name this span

    def size(self) -> int:
        return self.end - self.start

    def absorb(self, other: "_Span") -> None:
        """Extend over `other`; the span is named after its largest block."""
        if other.size() > max(self.main_size, 0):
            self.path = other.path
            self.main_size = other.size()
        self.end = other.end
        self.lines.extend(other.lines)


def _heading_style(line: str, next_line: str | None) -> str | None:
    for style, pattern in _HEADING_STYLES:
        if pattern.match(line):
            return style
    # A short bare title followed by bullets ("혼동 행렬" then "· TP ...") is a heading too.
    if (
        len(line) <= 40
        and not _BULLET.match(line)
        and not line.endswith((".", "다", ")", "?"))
        and next_line is not None
        and _BULLET.match(next_line)
    ):
        return "bare"
    return None


def _heading_text(line: str) -> str:
    line = line[3:] if line.startswith("## ") else line
    return line.rstrip(":").strip()[:80]


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for line in text.split("\n"):
        spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def _blocks(note: Note) -> list[_Span]:
    """Group lines under the heading that opens them, with the path of headings above."""
    lines = _line_spans(note.text)
    stack: list[tuple[str, str]] = []  # (style, heading text)
    blocks: list[_Span] = []
    for i, (s, e) in enumerate(lines):
        line = note.text[s:e]
        nxt = note.text[slice(*lines[i + 1])] if i + 1 < len(lines) else None
        style = _heading_style(line, nxt)
        if style is not None:
            if style in _STRONG_RANK:
                rank = _STRONG_RANK[style]
                # Close from the first open heading of equal or looser fixed depth; with none
                # open, this style nests under whatever is current ("1." inside "》 ...").
                cut = next(
                    (i for i, (st, _) in enumerate(stack) if _STRONG_RANK.get(st, -1) >= rank),
                    None,
                )
                if cut is not None:
                    del stack[cut:]
            else:
                styles = [st for st, _ in stack]
                if style in styles:
                    del stack[styles.index(style) :]
            stack.append((style, _heading_text(line)))
        if style is not None or not blocks:
            blocks.append(_Span(tuple(h for _, h in stack), s, e, [(s, e)]))
        else:
            blocks[-1].end = e
            blocks[-1].lines.append((s, e))
    for block in blocks:
        block.main_size = block.size()
    return blocks


def _split_long(span: _Span, text: str) -> list[_Span]:
    """Cut a span longer than MAX_CHARS at line, then sentence, boundaries."""
    pieces: list[tuple[int, int]] = []
    for s, e in span.lines:
        if e - s <= MAX_CHARS:
            pieces.append((s, e))
            continue
        at = s
        for m in _SENTENCE_END.finditer(text, s, e):
            if m.start() - at >= MIN_CHARS:
                pieces.append((at, m.start()))
                at = m.end()
        pieces.append((at, e))
    out: list[_Span] = []
    for s, e in pieces:
        if out and (e - out[-1].start) <= MAX_CHARS:
            out[-1].end = e
        else:
            out.append(_Span(span.path, s, e))
    if len(out) > 1 and out[-1].size() < MIN_CHARS // 2:
        # A short tail reads better with its predecessor, even slightly over the soft limit.
        tail = out.pop()
        out[-1].end = tail.end
    return out


def chunk_note(note: Note) -> list[Chunk]:
    merged: list[_Span] = []
    for block in _blocks(note):
        cur = merged[-1] if merged else None
        if cur is not None and cur.size() < MIN_CHARS and (block.end - cur.start) <= MAX_CHARS:
            cur.absorb(block)
        else:
            merged.append(block)
    # A small trailing section joins the previous chunk of the same top-level section.
    final: list[_Span] = []
    for i, span in enumerate(merged):
        prev = final[-1] if final else None
        if (
            prev is not None
            and span.size() < MIN_CHARS
            and span.end - prev.start <= MAX_CHARS
            and (prev.path[:1] == span.path[:1] or i == len(merged) - 1)
        ):
            prev.absorb(span)
        else:
            final.append(span)
    spans = [piece for span in final for piece in _split_long(span, note.text)]
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for span in spans:
        body = note.text[span.start : span.end]
        context = Chunk("", note.source, note.title, span.path, 0, 0, "").context
        # The id hashes what is indexed (context line + text): a changed heading re-embeds.
        key = f"{note.source}\x00{context}\x00{body}"
        if note.owner:  # two users may add the same file; the shipped notes keep their ids
            key = f"{note.owner}\x00{key}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        chunk_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        chunks.append(
            Chunk(chunk_id, note.source, note.title, span.path, span.start, span.end, body, note.owner)
        )
    return chunks


def chunk_notes(notes: list[Note]) -> list[Chunk]:
    return [chunk for note in notes for chunk in chunk_note(note)]


def heading_above(chunk: Chunk, quote: str) -> str:
    """The nearest heading above `quote` in its note, whole: a chunk may hold several sections
    (small ones are merged), so the chunk's first heading is not always the quote's. A quote that
    is itself a heading line is labelled with the heading it sits under."""
    words = quote.split()
    found = re.search(r"\s+".join(re.escape(w) for w in words), chunk.text) if words else None
    if found is None:
        return chunk.heading_path[-1] if chunk.heading_path else ""
    at = found.start()
    inner = Note(source=chunk.source, title=chunk.title, origin="", text=chunk.text)
    block = next((b for b in reversed(_blocks(inner)) if b.start <= at), None)
    outer = tuple(h for h in chunk.heading_path if h)
    path = tuple(h for h in block.path if h) if block is not None else ()
    if not path:  # the chunk starts inside a section: its heading is the chunk's
        return outer[-1] if outer else ""
    if at < block.lines[0][1]:  # the quote is the heading line itself: the heading it sits under
        path = path[:-1] or (outer[:-1] if outer and outer[-1] == path[-1] else outer) or path
    return path[-1]
