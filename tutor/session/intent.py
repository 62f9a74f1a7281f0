"""Is a message typed during an interview an answer to grade, or a question to the notes?

The chat has two plain buttons, "답변 제출" and "노트에 질문"; this is the guess behind Enter.
An answer is the default: a hesitant answer ("…그런 거 아닌가요?") is still an answer. A message
is a question to the notes when it asks for something ("설명해 주세요", "알려줘", "보여줘",
"explain", "what is") or asks what something is ("…가 뭐예요?", "…는 뭔가요?", "어떻게
계산하나요?") without stating anything itself. Measured on eval/intent.jsonl
(`tutor eval intent`; the rules were written on its dev split).
"""

from __future__ import annotations

import re
from typing import Literal

Intent = Literal["answer", "ask"]

ASK_PREFIXES = ("/질문", "질문:")
LONG_ANSWER = 150  # characters: a message this long is an answer, whatever it ends with

# Asking for something: the notes, an explanation, a summary.
_REQUEST = re.compile(
    r"(설명|정리|요약|알려|가르쳐|보여)\s*(해|하여|좀|줘|주|주세요|주실|줄래|부탁|해줘|해주세요|해\s*주)"
    r"|(설명|정리|요약)\s*(좀|부탁)|알려\s*주|보여\s*주|노트(에서|에는|엔)"
    r"|^\s*(explain|describe|tell me|show me|give me|summari[sz]e|what is|what are|what's|what does|how does|how do|why do|why does)\b",
    re.IGNORECASE,
)
# Asking what something is or how it works, in the words of a question (not "…아닌가요?").
_WHAT = re.compile(
    r"(뭐|무엇|뭔|무슨)\s*(예요|에요|인가요|일까요|야|죠|였죠|였더라|가요|지|을까|인지)"
    r"|(뭐|무엇|뭔)(예요|에요|인가요|가요|야|죠|지)|무슨\s*(역할|뜻|의미|차이)"
    r"|어떻게\s*(계산|해석|동작|작동|구하|읽|쓰|사용)\S*\s*(나요|해요|하나요|돼요|되나요|하죠|\?)"
    r"|(이|가|은|는)?\s*(란|이란)\s*(\?|무엇|뭐)|차이(가|는)?\s*(뭐|무엇|뭔)",
)
# The marks of someone stating an answer: "…때문입니다", "…라고 생각합니다", "…거죠?", "…아닌가요?".
_STATES = re.compile(
    r"(때문|생각합니다|생각해요|입니다|합니다|됩니다|이에요|거든요|잖아요|같아요|아닌가요|아닐까요|않을까요"
    r"|거죠|건가요\?\s*$|인가요\?\s*$|니까|해서|라서|이라서)"
)
_IDK = re.compile(r"^\s*(모르겠|잘\s*모르|pass|패스|몰라)", re.IGNORECASE)


def guess_intent(text: str) -> Intent:
    """"ask" when `text` asks the notes something, else "answer" (the default)."""
    stripped = text.strip()
    if stripped.startswith(ASK_PREFIXES):
        return "ask"
    if len(stripped) > LONG_ANSWER or _IDK.search(stripped):
        return "answer"
    if _REQUEST.search(stripped):
        return "ask"
    asks = _WHAT.search(stripped) or stripped.endswith(("?", "？"))
    if asks and not _STATES.search(stripped.split("?")[0] if "?" in stripped else stripped):
        return "ask"
    return "answer"
