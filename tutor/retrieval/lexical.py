"""Korean-aware BM25 (bm25s) over the chunks.

Two tokenisers, measured against each other with `tutor eval retrieval`: character bigrams
(robust to Korean particles and spacing slips, the default) and kiwipiepy morphemes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Literal

import logging
import math

import bm25s
import numpy as np

# bm25s pins its logger to DEBUG, which would print "Building index…" into `--json` output.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*|[0-9]+|[가-힣]+")
_KIWI_TAGS = ("NN", "VV", "VA", "XR", "SL", "SH", "SN", "MAG")


def bigram_tokens(text: str) -> list[str]:
    """English words whole (lower-cased), Korean runs as overlapping character bigrams."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word[0] < "\u0080" or len(word) == 1:
            tokens.append(word)
        else:
            tokens.extend(word[i : i + 2] for i in range(len(word) - 1))
    return tokens


@lru_cache(maxsize=1)
def kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


@lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[tuple[str, str], ...]:
    """(form, tag) of every token: one Kiwi call per text, however many signals read it."""
    return tuple((t.form, t.tag) for t in kiwi().tokenize(text))


def morpheme_tokens(text: str) -> list[str]:
    """Content morphemes (nouns, verb/adjective stems, roots, foreign words) via kiwipiepy."""
    return [form.lower() for form, tag in _analysed(text) if tag.startswith(_KIWI_TAGS)]


def concept_terms(text: str) -> list[str]:
    """Nouns and foreign words of two characters or more: the words that name a concept."""
    return [form.lower() for form, tag in _analysed(text) if tag in ("NNG", "NNP", "SL") and len(form) >= 2]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "bigram": bigram_tokens,
    "kiwi": morpheme_tokens,
}


def load_glossary(path: Path) -> list[tuple[str, ...]]:
    """Synonym groups from a tab-separated file ('#' comments); missing file: no expansion."""
    if not path.is_file():
        return []
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(t.strip().lower() for t in line.split("\t") if t.strip()))
    return groups


def expand_query(query: str, glossary: list[tuple[str, ...]]) -> str:
    """Append the other spellings of every glossary term found in the query."""
    lowered = query.lower()
    extra = [t for group in glossary if any(g in lowered for g in group) for t in group if t not in lowered]
    return f"{query} {' '.join(extra)}" if extra else query


class BM25Index:
    def __init__(
        self,
        texts: list[str],
        tokenizer: Literal["bigram", "kiwi"] = "bigram",
        glossary: list[tuple[str, ...]] | None = None,
    ) -> None:
        self.glossary = glossary or []
        self.tokenize = TOKENIZERS[tokenizer]
        self._bm25 = bm25s.BM25()
        corpus = [self.tokenize(t) or [""] for t in texts]
        self._bm25.index(corpus, show_progress=False)
        self._token_sets = [frozenset(tokens) for tokens in corpus]
        df: dict[str, int] = {}
        for tokens in corpus:
            for t in set(tokens):
                df[t] = df.get(t, 0) + 1
        n = len(corpus)
        # A term the notes never use is the most telling sign of an uncovered question.
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = math.log((n + 1) / 0.5)
        self._vocab = set(self._bm25.vocab_dict)
        self._size = len(texts)

    @property
    def vocabulary(self) -> set[str]:
        return self._vocab

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in self.tokenize(expand_query(query, self.glossary)) if t in self._vocab]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def tokens_of(self, i: int) -> frozenset[str]:
        """The terms of the `i`-th indexed text (tokenised once, when the index was built)."""
        return self._token_sets[i]

    def term_coverage(self, query: str, text: str | frozenset[str]) -> float:
        """IDF-weighted share of the query's terms that `text` (or its terms) contains (0..1)."""
        terms = set(self.tokenize(query))
        if not terms:
            return 0.0
        present = text if isinstance(text, frozenset) else set(self.tokenize(text))
        weight = {t: self._idf.get(t, self._unseen_idf) for t in terms}
        return sum(w for t, w in weight.items() if t in present) / sum(weight.values())
