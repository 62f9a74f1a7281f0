"""Write eval/grading.jsonl from the hand-graded rows in grading_[abc].py.

Every row is one answer a candidate might give, graded strictly by the rubric in
eval/README.md. The split is by question (a third of the questions are `test`), so a
question never sits in both the data a grader is fitted on and the data it is scored on.

    python eval/src/build_grading.py [OUT]   (default: eval/grading.jsonl)
"""

import hashlib
import json
import sys
from pathlib import Path

import yaml

from grading_a import ROWS as A
from grading_b import ROWS as B
from grading_c import ROWS as C

ROOT = Path(__file__).resolve().parents[2]


def split_of(question_id: str) -> str:
    return "test" if int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % 3 == 0 else "train"


def main() -> None:
    bank = {q["id"]: q for f in sorted((ROOT / "corpus" / "bank").glob("*.yaml"))
            for q in yaml.safe_load(f.read_text(encoding="utf-8"))}
    # Writes where it is told (the test writes to a temporary file, never over the tracked one).
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval" / "grading.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for qid, score, case, answer in A + B + C:
            q = bank[qid]
            row = {"question": q["question"], "answer": answer, "score": score, "question_id": qid,
                   "topic": q["topic"], "case": case, "split": split_of(qid)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
