"""Turning a grade into what the candidate reads: 잘한 점, 빠진 점, 오개념, a model answer,
the passages it rests on (quoted verbatim, with file and heading) and the follow-up question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor import messages
from tutor.grading.bank import Question
from tutor.grading.models import RUBRIC, Evidence, GradeResult


@dataclass(frozen=True)
class FollowUp:
    question: str
    key_point_id: str
    key_point: str


def format_citation(ev: Evidence) -> str:
    """The one place a citation is formatted: the quote verbatim, then where it is from."""
    where = f"{ev.source} · {ev.heading}" if ev.heading else ev.source
    quoted = "\n".join(f"> {line}".rstrip() for line in ev.quote.splitlines() or [""])
    return f"{quoted}\n>\n> — {where}"


def follow_ups_for(question: Question | None, result: GradeResult, limit: int = 2) -> list[FollowUp]:
    """Follow-ups aimed at what the answer got wrong, else missed, else half-said.

    Key points are listed in the bank in order of importance; points that have a curated
    follow-up come before ones that need a generic question."""
    if question is None or not result.key_points or limit <= 0:
        return []
    curated = {f.key_point: f.question for f in question.follow_ups}
    ranked = []
    for rank, status in enumerate(("contradicted", "missing", "partial")):
        for order, v in enumerate(result.key_points):
            if v.status == status:
                ranked.append((v.id not in curated, rank, order, v))
    ranked.sort(key=lambda x: x[:3])
    out = []
    for _, _, _, v in ranked[:limit]:
        # never the point itself: a follow-up that states its answer teaches nothing
        topic = v.evidence.heading if v.evidence is not None and v.evidence.heading else question.topic
        text = curated.get(v.id) or f"'{topic}' 부분을 조금 더 여쭤볼게요. 방금 답변에서 빠진 내용을 설명해 주시겠어요?"
        out.append(FollowUp(text, v.id, v.point))
    return out


def pick_follow_up(question: Question | None, result: GradeResult) -> FollowUp | None:
    found = follow_ups_for(question, result, limit=1)
    return found[0] if found else None


def render_feedback(result: GradeResult, question: Question | None = None,
                    follow_up: FollowUp | None = None) -> str:
    """Korean Markdown feedback for the chat, the terminal and exported sessions."""
    if result.score is None:
        lines = [f"### {messages.NOT_IN_NOTES_GRADE}"]
        if result.message:
            lines += ["", f"_{result.message}_"]
        return "\n".join(lines)
    lines = [f"### 점수: {result.score}/5 — {result.rubric or RUBRIC[result.score]}"]
    if result.message:
        lines += ["", f"_{result.message}_"]
    if result.covered:
        lines += ["", "**잘한 점**"] + [f"- {p}" for p in result.covered]
    if result.missing:
        lines += ["", "**빠진 점**"] + [f"- {p}" for p in result.missing]
    wrong = [v for v in result.key_points if v.status == "contradicted"]
    if wrong:
        # Wrong is a strong claim: the candidate's own words, and the passage that says otherwise.
        lines += ["", "**노트와 다른 부분**"]
        for v in wrong:
            lines.append(f"- {messages.CONTRADICTS.format(answer=v.answer_span, claim=v.claim or v.point)}")
            if v.evidence is not None:
                lines.append(f"  - 노트: \"{v.evidence.quote}\" ({v.evidence.source} · {v.evidence.heading})")
    elif result.misconceptions:
        lines += ["", "**오개념**"] + [f"- {m}" for m in result.misconceptions]
    if result.low_confidence:
        lines += ["", f"_{messages.LOW_CONFIDENCE.format(confidence=result.confidence)}_"]
    if "hint_used" in result.flags:
        lines += ["", messages.HINT_USED.format(steps=int(result.features.get("hints", 1)))]
    if question is not None:
        lines += ["", "**모범 답안**", question.model_answer]
    cited = list({(e.source, e.quote): e for e in result.evidence}.values())
    if cited:
        lines += ["", "<details><summary>근거: 노트 인용</summary>", ""]
        for ev in cited:
            lines += [format_citation(ev), ""]
        lines.append("</details>")
    if follow_up is not None:
        lines += ["", f"**꼬리 질문:** {follow_up.question}"]
    return "\n".join(lines)


def render_skip(question: Question, points) -> str:
    """What a skipped question shows: the model answer and each key point with its passage."""
    lines = [f"### {messages.SKIPPED_TITLE}", "", "**모범 답안**", question.model_answer, "", "**핵심 포인트**"]
    lines += [f"- {p.point}" for p in points]
    cited = list({(p.evidence.source, p.quote): p.evidence for p in points if p.evidence is not None}.values())
    if cited:
        lines += ["", "<details open><summary>근거: 노트 인용</summary>", ""]
        for ev in cited:
            lines += [format_citation(ev), ""]
        lines.append("</details>")
    return "\n".join(lines)


_PLAIN = re.compile(r"^[0-9A-Za-z가-힣 ·\-]+$")


def key_term(point, question: str) -> str:
    """The key point's key term for a hint: the first authored concept written plainly that the
    question does not already say, else the point's longest word the question lacks."""
    asked = question.replace(" ", "").lower()
    for group in point.concepts:
        for variant in group:
            if _PLAIN.match(variant) and variant.replace(" ", "").lower() not in asked and len(variant) >= 2:
                return variant
    words = [w.strip("(),.") for w in point.point.split() if w.strip("(),.") and w.strip("(),.").lower() not in asked]
    return max(words, key=len) if words else point.point.split()[0]
