"""Turn the raw blog dumps (shared seeds) into the cleaned notes under `corpus/notes/`.

Only blog furniture is removed (category lists, "728x90", "반응형", copyright footers,
navigation, post dates); the knowledge text stays verbatim, whitespace aside, because
feedback quotes it back to candidates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tutor import messages
from tutor.errors import CorpusError

# Whole lines that are navigation, counters or ad markers, never knowledge.
_BOILERPLATE_LINES = re.compile(
    r"^(본문 바로가기|반응형|728x90|분류 전체보기|\(\d+\)|블로그의 정보|이전 \d+ 다음)$"
)
# Everything from these lines to the end of a file is footer (category lists, copyright).
_FOOTER_START = re.compile(r"^('.*' 카테고리의 다른 글|이 글의 내용 및 그림, 사진 등의 콘텐츠는 작성자에게)")
_INLINE_BOILERPLATE = re.compile(r"\s*(728x90|이전 \d+ 다음)\s*")
_POST_DATE = re.compile(r"\s*\b20\d\d\. \d{1,2}\. \d{1,2}\.\s*")
# Inside one-line posts, a circled number starts a new point: put it on its own line.
_CIRCLED = re.compile(r"\s+(?=[①②③④⑤⑥⑦⑧⑨⑩])")


@dataclass(frozen=True)
class NoteSpec:
    file: str
    seed: str
    title: str
    origin: str
    author: str | None = None
    posts: tuple[str, ...] = ()
    drop_posts: tuple[str, ...] = ()
    topics: tuple[str, ...] = field(default_factory=tuple)


def load_manifest(path: Path) -> list[NoteSpec]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            NoteSpec(
                file=n["file"],
                seed=n["seed"],
                title=n["title"],
                origin=n["origin"],
                author=n.get("author"),
                posts=tuple(n.get("posts", ())),
                drop_posts=tuple(n.get("drop_posts", ())),
                topics=tuple(n.get("topics", ())),
            )
            for n in data["notes"]
        ]
    except FileNotFoundError:
        raise CorpusError(messages.MANIFEST_BROKEN.format(path=path, reason="파일 없음")) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CorpusError(messages.MANIFEST_BROKEN.format(path=path, reason=exc)) from exc


def normalise_whitespace(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0\u200b]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _strip_boilerplate(text: str, author: str | None) -> list[str]:
    kept: list[str] = []
    for raw in normalise_whitespace(text).splitlines():
        if _FOOTER_START.match(raw):
            break
        line = _INLINE_BOILERPLATE.sub(" ", raw).strip()
        if author and line.startswith(f"by {author}"):
            # The byline is glued to the first heading ("by Cori개요"); the author lives in the manifest.
            line = line[len(f"by {author}") :].strip()
        if line and not _BOILERPLATE_LINES.match(line):
            kept.append(line)
    return kept


def _split_posts(lines: list[str], spec: NoteSpec) -> str:
    """Index pages hold several posts run together; cut them at the manifest's post titles."""
    flat = " ".join(lines)
    starts = []
    for title in spec.posts:
        at = flat.find(title)
        if at < 0:
            raise CorpusError(f"글 제목을 원문에서 찾지 못했습니다: {title} ({spec.seed})")
        starts.append((at, title))
    starts.sort()
    sections = []
    for i, (at, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(flat)
        if title in spec.drop_posts:
            continue
        body = _POST_DATE.sub(" ", flat[at + len(title) : end]).strip()
        body = _CIRCLED.sub("\n", body)
        sections.append(f"## {title}\n{body}")
    return "\n".join(sections)


def clean_note(raw: str, spec: NoteSpec) -> str:
    lines = _strip_boilerplate(raw, spec.author)
    text = _split_posts(lines, spec) if spec.posts else "\n".join(lines)
    return normalise_whitespace(text) + "\n"


def import_seeds(seeds_dir: Path, corpus_dir: Path) -> list[Path]:
    """Write one cleaned note per manifest entry; returns the written paths."""
    specs = load_manifest(corpus_dir / "manifest.json")
    out_dir = corpus_dir / "notes"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        raw = (seeds_dir / spec.seed).read_text(encoding="utf-8")
        path = out_dir / spec.file
        path.write_text(clean_note(raw, spec), encoding="utf-8")
        written.append(path)
    return written
