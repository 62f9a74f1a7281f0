"""Reading a candidate's answer: cleaning, sentences, content words, and the signals that
do not need a model (non-answers, text aimed at the grader, flipped relations)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tutor.retrieval.lexical import kiwi, expand_query
from tutor.text import strip_controls

MAX_SCORED_CHARS = 4000  # a 100 KB paste is graded on its beginning, and the user is told

_CONTENT_TAGS = ("NNG", "NNP", "VV", "VA", "XR", "SL", "SN")

# Text addressed to the grader, not to the interviewer: it is data and never scores.
INJECTION = re.compile(
    r"(이전|앞의|위의|모든)\s*(지시|지침|명령|프롬프트|규칙)[^.?!\n]*(무시|잊)"
    r"|(무시하고|무시해|무시하세요)"
    r"|(점수|채점)[^.?!\n]{0,20}(\d\s*점|만점|최고점)[^.?!\n]{0,12}(줘|주세요|주십시오|부여|매겨|달라|해라|하라)"
    r"|(\d\s*점|만점)[^.?!\n]{0,6}(줘|주세요|부여해|매겨)"
    r"|채점자|grader|system\s*prompt|시스템\s*프롬프트|assistant\s*:"
    r"|ignore (all |the )?(previous|above|prior) (instructions|prompts?)"
    r"|(give|award|assign) (me |this answer )?(a )?(full|perfect|max(imum)?|5)",
    re.IGNORECASE,
)

NON_ANSWER = re.compile(
    r"모르겠|잘 모르|모릅니다|몰라요|몰라서|모름|기억이 (잘 )?안|기억 안|기억이 잘|생각이 안 ?나|공부를 안|공부 안|"
    r"패스|넘어가|잘 몰라|답을 못|설명을 못|처음 들어|들어 본 적|들어본 적|이름만|못 끝냈|다음 질문|"
    r"죄송|i don'?t know|no idea|not sure|never used|pass\b|skip",
    re.IGNORECASE,
)

# Morphemes that flip a statement when swapped for their partner ("정밀도 ↗" vs "정밀도 ↘").
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("증가", "감소"), ("높", "낮"), ("높이", "낮추"), ("크", "작"), ("많", "적"), ("늘", "줄"),
    ("늘리", "줄이"), ("빠르", "느리"), ("오르", "떨어지"), ("올라가", "내려가"), ("완화", "악화"),
    ("과적합", "과소"), ("정밀", "재현"), ("precision", "recall"), ("양성", "음성"), ("양수", "음수"),
    ("최소", "최대"), ("최댓값", "평균값"), ("같", "다르"), ("increase", "decrease"), ("high", "low"),
    ("large", "small"), ("overfitting", "underfitting"), ("커지", "작아지"), ("커지", "작"), ("커지", "줄어들"), ("크", "작아지"),
    ("줄이", "일으키"), ("해결", "일으키"), ("완화", "일으키"), ("막", "일으키"), ("줄어들", "늘어나"),
    ("유지", "사라지"), ("빨라지", "느려지"),
)
_ANTONYM_OF: dict[str, set[str]] = {}
for _a, _b in ANTONYMS:
    _ANTONYM_OF.setdefault(_a, set()).add(_b)
    _ANTONYM_OF.setdefault(_b, set()).add(_a)
_NEG_VX = {"않", "못"}
_NEG_EN = {"not", "never", "no", "n't", "without"}

@dataclass(frozen=True)
class Answer:
    raw_length: int
    text: str  # cleaned, truncated
    sentences: tuple[str, ...]  # what is scored (injection sentences removed)
    injected: tuple[str, ...]  # sentences aimed at the grader (ignored)
    truncated: bool
    english: bool


def clean_text(text: str) -> str:
    text = strip_controls(text)
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


# Hard boundaries first (line breaks, sentence punctuation, brackets), so that text appended
# to an answer can never merge with, and take down, a sentence of the answer itself.
_HARD_BREAK = re.compile(r"\n|(?<=[.!?])\s+|\s*(?=\[)|(?<=\])\s*")


def sentences_of(text: str) -> list[str]:
    out: list[str] = []
    for para in _HARD_BREAK.split(text):
        if not para or not para.strip():
            continue
        for s in kiwi().split_into_sents(para):
            s = s.text.strip()
            if s:
                out.append(s)
    return out


def looks_binary(raw: str) -> bool:
    """Control characters, replacement characters or private-use code points in bulk."""
    if not raw:
        return False
    odd = sum(1 for c in raw if (unicodedata.category(c) in ("Cc", "Co", "Cs") and c not in "\n\t\r")
              or c in "\ufffd\xff\xfe")
    return odd / len(raw) > 0.1


def read_answer(raw: str) -> Answer:
    raw = raw if isinstance(raw, str) else ""
    if looks_binary(raw):
        raw = ""
    text = clean_text(raw)
    truncated = len(text) > MAX_SCORED_CHARS
    text = text[:MAX_SCORED_CHARS]
    sents = sentences_of(text) if has_words(text) else []
    injected = tuple(s for s in sents if INJECTION.search(s))
    kept = tuple(s for s in sents if not INJECTION.search(s))
    letters = re.findall(r"[A-Za-z가-힣]", text)
    english = bool(letters) and sum(c < "\u0080" for c in letters) / len(letters) > 0.8
    return Answer(len(raw), text, kept, injected, truncated, english)


def has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z가-힣]{2,}", text))


def content_tokens(text: str, glossary: list[tuple[str, ...]] | None = None) -> list[str]:
    """Nouns, verb/adjective stems, roots and English terms (lower-cased), glossary-expanded."""
    if glossary:
        text = expand_query(text, glossary)
    return [t.form.lower() for t in kiwi().tokenize(text) if t.tag.startswith(_CONTENT_TAGS)]


# Words every hedge or filler sentence uses; they say nothing about the topic.
_FILLER = {
    "있", "없", "나", "알", "모르", "하", "되", "보", "듣", "드리", "부탁", "기억", "생각", "공부",
    "질문", "다음", "나머지", "종류", "이름", "처음", "죄송", "적", "같", "거", "것", "수", "때", "말",
    "know", "sure", "idea", "sorry", "honestly", "never", "used", "one", "this",
} | set(
    "i me my you it its a an the is are was were be been have has had do does did don t s not no "
    "and or but to of in on at for with about this that these those what which just really think "
    "maybe remember anything something".split()
)


def is_non_answer(answer: Answer, question: str, glossary: list[tuple[str, ...]] | None = None) -> bool:
    """Nothing but hedges ("잘 모르겠습니다"), filler or the question said back.

    A sentence counts as content when it says at least three things that are neither the
    question's words nor filler ("잘 모르지만 BN은 분포를 정규화해요" is content).
    """
    question_tokens = set(content_tokens(question, glossary))
    novel = [set(content_tokens(s)) - question_tokens - _FILLER for s in answer.sentences]
    if not set().union(*novel):  # says back the question, or nothing at all
        return True
    hedged = any(NON_ANSWER.search(s) for s in answer.sentences)
    return hedged and all(len(rest) < 3 for rest in novel)


def _polar_terms(text: str) -> tuple[set[str], set[str]]:
    """(content morphemes, the ones the text negates: '적용하지 않', '안 쓰', 'not applied')."""
    tokens = [(t.form.lower(), t.tag) for t in kiwi().tokenize(text)]
    content = {f for f, tag in tokens if tag.startswith(_CONTENT_TAGS)}
    negated: set[str] = set()
    for i, (form, tag) in enumerate(tokens):
        if (tag == "VX" and form in _NEG_VX) or (tag.startswith("VA") and form == "없"):
            # the nearest content word before "않/못/없" is the one negated
            for prev, ptag in reversed(tokens[max(0, i - 4) : i]):
                if ptag.startswith(("NNG", "NNP", "VV", "VA", "XR", "SL")):
                    negated.add(prev)
                    break
        elif (tag == "MAG" and form in ("안", "못")) or (tag == "SL" and form in _NEG_EN):
            for nxt, ntag in tokens[i + 1 : i + 4]:
                if ntag.startswith(("NNG", "NNP", "VV", "VA", "XR", "SL")) and nxt not in _NEG_EN:
                    negated.add(nxt)
                    break
    return content, negated


_CLAUSE = re.compile(r"\s*[,;·]\s*|(?<=고)\s+|(?<=며)\s+|(?<=는데)\s+|(?<=지만)\s+|(?<=면서)\s+|(?<=[.?!])\s+")


def clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c and c.strip()]


def contradicts(reference: str, candidate: str) -> bool:
    """Clause by clause: does some clause of `candidate` state a clause of `reference` the
    other way round? Each reference clause is compared with the candidate clause sharing
    the most content words (at least three), so "A는 맞는데 B는 못 한다" is not read as
    denying "A는 맞다"."""
    cand = [(c, set(content_tokens(c))) for c in clauses(candidate)]
    for ref_clause in clauses(reference):
        ref_terms = set(content_tokens(ref_clause))
        if len(ref_terms) < 2 or not cand:
            continue
        best, overlap = max(((c, len(ref_terms & t)) for c, t in cand), key=lambda x: x[1])
        if overlap >= 3 and flipped(ref_clause, best):
            return True
    return False


def flipped(reference: str, candidate: str) -> bool:
    """Does `candidate` state `reference`'s relation the other way round?

    Either it uses the antonym of a relation word the reference uses (and not the word
    itself), or it negates a word the two share that the reference does not negate.
    Compare single clauses; `contradicts` aligns them.
    """
    ref_terms, ref_neg = _polar_terms(reference)
    cand_terms, cand_neg = _polar_terms(candidate)
    for term in ref_terms:
        for partner in _ANTONYM_OF.get(term, ()):
            if partner in cand_terms and term not in cand_terms and partner not in ref_terms:
                return True
    if bool(ref_neg) == bool(cand_neg):
        return False  # both or neither negate: "영향이 없는" and "영향을 주지 않는" agree
    return bool((ref_neg or cand_neg) & ref_terms & cand_terms)
