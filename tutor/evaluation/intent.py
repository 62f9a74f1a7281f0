"""How well Enter's guess (answer to grade or question to the notes) agrees with labelled messages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tutor.session.intent import guess_intent


class IntentCase(BaseModel):
    model_config = ConfigDict(extra="allow")

    message: str
    label: Literal["answer", "ask"]
    kind: str = ""


def evaluate_intent(cases: list[IntentCase]) -> dict:
    guesses = [guess_intent(c.message) for c in cases]
    by_kind: dict[str, dict] = {}
    for c, g in zip(cases, guesses):
        row = by_kind.setdefault(c.kind or c.label, {"n": 0, "right": 0})
        row["n"] += 1
        row["right"] += g == c.label
    for row in by_kind.values():
        row["accuracy"] = round(row["right"] / row["n"], 4)

    def wrong(label: str) -> float:
        picked = [g for c, g in zip(cases, guesses) if c.label == label]
        return round(sum(g != label for g in picked) / len(picked), 4) if picked else 0.0

    n = len(cases)
    return {"n": n, "accuracy": round(sum(g == c.label for c, g in zip(cases, guesses)) / n, 4) if n else 0.0,
            "answer_as_ask": wrong("answer"), "ask_as_answer": wrong("ask"), "by_kind": dict(sorted(by_kind.items()))}
