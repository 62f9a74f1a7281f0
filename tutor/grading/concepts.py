"""Authored concept checks: does an answer state a key point's concepts and relation, or a claim
that contradicts it? This is where the intelligence written into the bank meets the answer.

A *concept group* is a list of surface variants (Python regexes, case-insensitive) of one
concept: ``["배치 정규화", "배치놈", "(?<![a-z])bn(?![a-z])", "batch norm"]``. Spaces in a variant are
dropped, and the answer is matched with its whitespace removed, so "배치정규화" and "배치 정규화"
are one form; to bind a relation, put it in one variant: ``"정밀도.{0,4}(↑|증가|높|올라|오르)"``.

A key point is *stated* when one window of the answer (a sentence, or two adjacent ones) holds
every group. A *claim* (a statement that contradicts a point) fires only when every group is found
inside one sentence and no clause holding a match is negated the other way: "은닉층에는 쓰지
않는다" never fires the claim "은닉층에 쓴다". Wrong is a strong verdict, so claims are exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tutor.text import strip_controls

# A clause is negated when it holds one of these: Korean forms after whitespace removal,
# English words on the text as written (squashed English has no word boundaries).
_NEGATION_KO = re.compile(r"않|안되|안돼|안된|안하|안해|안쓰|안써|안씀|못하|못해|못한|못합|못쓰|없|아니|아닌|아님|아냐|말아|말고")
_NEGATION_EN = re.compile(r"\b(not|never|no|without|nor|cannot)\b|n't", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"\s*[,;·]\s*|(?<=지만)\s+|(?<=는데)\s+|(?<=반면)\s+|(?<=아니라)\s+|(?<=but)\s+|(?<=whereas)\s+"
                           r"|(?<=while)\s+|(?<=however)\s+")


def squash(text: str) -> str:
    """The form patterns are matched against: NFC, lower case, no whitespace."""
    return re.sub(r"\s+", "", strip_controls(text).lower())


@lru_cache(maxsize=8192)
def compile_variant(variant: str) -> re.Pattern:
    """One variant as a compiled pattern. The text it meets has no whitespace, so spaces in the
    variant are dropped, and an optional space (" ?", "\\s*") with them, so that "배치 ?정규화"
    means 배치정규화 and not "배치정규화 with 치 optional"."""
    for optional in (" ?", " *", r"\s?", r"\s*", r"\s+", r"\s"):
        variant = variant.replace(optional, "")
    return re.compile(variant.replace(" ", ""), re.IGNORECASE)


def group_match(group: tuple[str, ...], squashed: str) -> re.Match | None:
    for variant in group:
        m = compile_variant(variant).search(squashed)
        if m:
            return m
    return None


def groups_found(groups: tuple[tuple[str, ...], ...], text: str) -> list[bool]:
    s = squash(text)
    return [group_match(g, s) is not None for g in groups]


def negated(text: str) -> bool:
    return bool(_NEGATION_KO.search(squash(text)) or _NEGATION_EN.search(strip_controls(text)))


def clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip()]


@dataclass(frozen=True)
class ClaimHit:
    claim: str          # the authored wrong statement
    answer_clause: str  # the candidate's words that state it


def claim_in(groups: tuple[tuple[str, ...], ...], claim_negated: bool, sentence: str) -> str | None:
    """The part of `sentence` that states the claim, or None.

    Every group must match inside the sentence, and every clause holding a match must have the
    claim's polarity (an affirmative claim is not made by a negated clause, and the reverse)."""
    if not groups:
        return None
    parts = clauses(sentence)
    squashed = [squash(p) for p in parts]
    holding: set[int] = set()
    for g in groups:
        where = [i for i, s in enumerate(squashed) if group_match(g, s)]
        if not where:
            # a relation may straddle a comma ("임계값을 높이면, 정밀도는 ↑"): try the sentence
            if group_match(g, squash(sentence)) is None:
                return None
            where = list(range(len(parts)))
        holding.update(where)
    if any(negated(parts[i]) != claim_negated for i in holding):
        return None
    return " ".join(parts[i] for i in sorted(holding)).strip()


def windows(sentences: list[str] | tuple[str, ...]) -> list[str]:
    """Each sentence and each pair of adjacent ones: a point's relation may take two sentences."""
    return [*sentences, *(f"{a} {b}" for a, b in zip(sentences, sentences[1:]))]


# -- terms candidates swap ------------------------------------------------------------------
Contrast = tuple[tuple[str, ...], ...]  # mutually exclusive entities, each a list of variants


def load_contrasts(path) -> tuple[Contrast, ...]:
    import yaml

    if not path.is_file():
        return ()
    return tuple(tuple(tuple(m) for m in entry) for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or [])


def sides(text: str, contrasts: tuple[Contrast, ...]) -> tuple[tuple[Contrast, int], ...]:
    """The contrast sets `text` (a key point) takes one side of: (set, the member it is about)."""
    s = squash(text)
    out = []
    for contrast in contrasts:
        present = [i for i, member in enumerate(contrast) if group_match(member, s)]
        if len(present) == 1:
            out.append((contrast, present[0]))
    return tuple(out)


def _mentions(contrast: Contrast, squashed: str) -> list[tuple[int, int]]:
    found = []
    for i, member in enumerate(contrast):
        for variant in member:
            found += [(m.start(), i) for m in compile_variant(variant).finditer(squashed)]
    return sorted(found)


_PUNCT = re.compile(r"[,;·.!?]")


def attributed_match(group: tuple[str, ...], squashed: str, taken: tuple[tuple[Contrast, int], ...]) -> bool:
    """Some match of `group` attached to the point's own side of each contrast: in "label이
    입력, feature가 출력" the 입력 belongs to label, so it does not state that the feature is the
    input. The clause around the match decides when it names one side only; otherwise the
    nearest term before the match does ("최종 모델만 test로 평가" is about test)."""
    mentions = [(_mentions(contrast, squashed), own) for contrast, own in taken]
    cuts = [0, *(m.end() for m in _PUNCT.finditer(squashed)), len(squashed) + 1]
    for variant in group:
        for m in compile_variant(variant).finditer(squashed):
            lo = max(c for c in cuts if c <= m.start())
            hi = min(c for c in cuts if c > m.start())
            ok = True
            for where, own in mentions:
                # a term inside the match itself ("독립변수" is a feature term) says nothing of attachment
                inside = {i for pos, i in where if m.start() <= pos < m.end()}
                if own in inside:  # the match names the point's own side: it is the subject
                    continue
                outside = [(pos, i) for pos, i in where if not m.start() <= pos < m.end()]
                in_clause = {i for pos, i in outside if lo <= pos < hi}
                if in_clause:
                    ok = own in in_clause and len(in_clause) == 1 or (
                        own in in_clause and (before := [i for pos, i in outside if lo <= pos < m.start()])
                        and before[-1] == own)
                else:
                    before = [i for pos, i in outside if pos < m.start()]
                    ok = not before or before[-1] == own
                if not ok:
                    break
            if ok:
                return True
    return False


def best_window(groups: tuple[tuple[str, ...], ...], units: list[str],
                taken: tuple[tuple[Contrast, int], ...] = ()) -> tuple[float, str | None]:
    """(share of groups found in the best window, that window). With `taken` (the contrast
    sides of the point), a group counts only where it is attached to the point's own side."""
    if not groups or not units:
        return 0.0, None
    best, span = -1.0, None
    for unit in units:
        if taken:
            squashed = squash(unit)
            found = [attributed_match(g, squashed, taken) for g in groups]
        else:
            found = groups_found(groups, unit)
        share = sum(found) / len(groups)
        if share > best:
            best, span = share, unit
    return best, span


def claims_stated(claims, sentences) -> list[tuple[object, str]]:
    """(claim, the candidate's clause) for each authored claim some sentence states."""
    hits = []
    for claim in claims:
        for sentence in sentences:
            clause = claim_in(claim.concepts, claim.negated, sentence)
            if clause:
                hits.append((claim, clause))
                break
    return hits
