"""Audit of the question bank: what the grader trusts must agree with itself and with the notes.

Every quote is verbatim in its note; every key point's concepts are stated by its own wording and
by the model answer; no contradicting claim fires on either, and each claim fires on its own
words; every key point has a follow-up that asks for it without stating it."""

from __future__ import annotations

from pathlib import Path

from tutor.corpus.notes import load_notes
from tutor.grading.bank import Question, QuestionBank
from tutor.grading.concepts import best_window, claims_stated, windows
from tutor.grading.text import sentences_of
from tutor.text import collapse



def audit_question(q: Question, notes: dict[str, str]) -> list[str]:
    problems: list[str] = []
    answer_units = windows(sentences_of(q.model_answer))
    answer_sents = sentences_of(q.model_answer)
    asked = {f.key_point for f in q.follow_ups}
    if len(q.aliases) < 2:
        problems.append(f"{q.id}: 다른 표현(aliases)이 2개 미만")
    for kp in q.key_points:
        where = f"{kp.id}"
        if kp.source not in notes:
            problems.append(f"{where}: 노트 파일 없음 {kp.source}")
        elif collapse(kp.quote) not in notes[kp.source]:
            problems.append(f"{where}: 인용이 노트에 그대로 없음: {kp.quote[:40]}")
        if not kp.concepts:
            problems.append(f"{where}: concepts 없음")
            continue
        share, _ = best_window(kp.concepts, windows(sentences_of(kp.point)))
        if share < 1:
            problems.append(f"{where}: point 문장이 자기 concepts를 다 말하지 않음 ({share:.2f})")
        share, _ = best_window(kp.concepts, answer_units)
        if share < 1:
            problems.append(f"{where}: 모범 답안이 이 포인트의 concepts를 다 말하지 않음 ({share:.2f})")
        for claim, clause in claims_stated(kp.contradicted_by, answer_sents):
            problems.append(f"{where}: 모범 답안이 틀린 주장을 말한 것으로 잡힘: {claim.claim!r} ← {clause!r}")
        for claim, clause in claims_stated(kp.contradicted_by, sentences_of(kp.point)):
            problems.append(f"{where}: point 문장이 틀린 주장으로 잡힘: {claim.claim!r}")
        for claim in kp.contradicted_by:
            if not claims_stated([claim], sentences_of(claim.claim)):
                problems.append(f"{where}: 틀린 주장 문장이 자기 concepts로 잡히지 않음: {claim.claim!r}")
        if kp.id not in asked:
            problems.append(f"{where}: 꼬리 질문 없음")
    for f in q.follow_ups:
        kp = next((k for k in q.key_points if k.id == f.key_point), None)
        if kp is not None and kp.concepts:
            share, _ = best_window(kp.concepts, windows(sentences_of(f.question)))
            if share >= 1:
                problems.append(f"{f.key_point}: 꼬리 질문이 답(포인트)을 말해 버림: {f.question!r}")
    return problems


def audit_bank(bank: QuestionBank, corpus_dir: Path) -> list[str]:
    notes = {n.source: collapse(n.text) for n in load_notes(corpus_dir)}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for q in bank.questions:
        problems += audit_question(q, notes)
        key = collapse(q.question)
        if key in seen:
            problems.append(f"{q.id}: {seen[key]}와 같은 질문")
        seen[key] = q.id
    return problems
