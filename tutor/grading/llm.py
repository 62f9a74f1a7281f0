"""The LLM judge: any chat model LangChain's `init_chat_model` can build (OpenAI, Ollama,
Anthropic, or an OpenAI-compatible server such as vLLM / LM Studio / llama.cpp by base URL).

It gets the rubric, key points, misconceptions and evidence with the answer fenced as data,
must reply with one JSON object of a fixed shape, and is validated into `GradeResult`. Any
timeout, error or invalid reply is raised as `LLMGradingError` so the service can fall back
to the offline grader and say so.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

from langchain_core.caches import BaseCache
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import Generation
from pydantic import BaseModel, Field, ValidationError

from tutor import messages
from tutor.errors import BackendUnavailableError, TutorError
from tutor.grading import rubric
from tutor.grading.models import RUBRIC, GradeResult, KeyPointVerdict
from tutor.grading.offline import GradingPoint


class LLMGradingError(TutorError):
    """The LLM did not produce a usable grade (timeout, error, malformed or invalid reply)."""


class PointJudgement(BaseModel):
    id: str
    status: Literal["covered", "partial", "missing", "contradicted"]
    answer_span: str | None = None


class LLMVerdict(BaseModel):
    """Exactly what the judge must return: a verdict per key point. The score is not the
    judge's to give: the rubric computes it from these verdicts, as for the offline grader."""

    points: list[PointJudgement] = Field(min_length=1)
    misconceptions: list[str] = Field(default_factory=list)
    rationale: str = ""


class SQLiteLLMCache(BaseCache):
    """LangChain cache in one SQLite file, so re-running an evaluation costs no LLM calls."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("create table if not exists llm_cache (key text primary key, value text)")
        self._lock = threading.Lock()

    @staticmethod
    def _key(prompt: str, llm_string: str) -> str:
        return hashlib.sha256(f"{llm_string}\x00{prompt}".encode()).hexdigest()

    def lookup(self, prompt: str, llm_string: str):
        with self._lock:
            row = self._db.execute("select value from llm_cache where key=?", (self._key(prompt, llm_string),)).fetchone()
        return [Generation(text=t) for t in json.loads(row[0])] if row else None

    def update(self, prompt: str, llm_string: str, return_val) -> None:
        texts = json.dumps([g.text for g in return_val], ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute("insert or replace into llm_cache values (?, ?)", (self._key(prompt, llm_string), texts))

    def clear(self, **kwargs: Any) -> None:
        with self._lock, self._db:
            self._db.execute("delete from llm_cache")


def build_chat_model(spec: str, base_url: str | None = None, api_key: str | None = None,
                     timeout: float = 30.0) -> BaseChatModel:
    """`openai:<model>`, `ollama:<model>`, `anthropic:<model>`, … through `init_chat_model`."""
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": 0, "timeout": timeout, "max_retries": 0}
    if base_url:
        kwargs["base_url"] = base_url
    if api_key:
        kwargs["api_key"] = api_key
    elif base_url and spec.startswith("openai:"):
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    try:
        return init_chat_model(spec, **kwargs)
    except ImportError as exc:
        raise BackendUnavailableError(messages.LLM_PROVIDER_MISSING.format(spec=spec, reason=exc)) from exc
    except Exception as exc:
        raise BackendUnavailableError(messages.LLM_UNAVAILABLE.format(spec=spec, reason=exc)) from exc


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_verdict(text: str) -> LLMVerdict:
    """The first JSON object in the reply (models like to wrap it in prose or ``` fences)."""
    match = _JSON_OBJECT.search(text or "")
    if not match:
        raise LLMGradingError(messages.LLM_MALFORMED.format(reason="JSON 객체가 없습니다"))
    try:
        return LLMVerdict.model_validate(json.loads(match.group(0)))
    except (ValueError, ValidationError) as exc:
        raise LLMGradingError(messages.LLM_MALFORMED.format(reason=str(exc).splitlines()[0])) from exc


class LLMGrader:
    def __init__(self, model: BaseChatModel, name: str, prompts_dir: Path, timeout: float = 30.0,
                 cache: BaseCache | None = None) -> None:
        self.model = model
        self.name = f"llm:{name}"
        self.template = (prompts_dir / "grade.md").read_text(encoding="utf-8")
        self.timeout = timeout
        if cache is not None:
            self.model.cache = cache

    def prompt(self, question: str, answer: str, points: list[GradingPoint], misconceptions: list[str]) -> str:
        # The fence cannot be closed from inside: a literal </answer> in the answer is defused.
        fenced = answer.replace("</answer>", "</ answer>").replace("<answer>", "< answer>")
        return self.template.format(
            rubric="\n".join(f"- {s}: {d}" for s, d in sorted(RUBRIC.items(), reverse=True)),
            question=question,
            key_points="\n".join(f"- [{p.id}] {p.point}" for p in points) or "- (없음)",
            misconceptions="\n".join(f"- {m}" for m in misconceptions) or "- (없음)",
            evidence="\n".join(f"- ({p.evidence.source} · {p.evidence.heading}) \"{p.quote}\"" for p in points) or "- (없음)",
            answer=fenced,
        )

    def _invoke(self, prompt: str) -> str:
        reply = self.model.invoke(prompt)
        return reply.content if isinstance(reply.content, str) else json.dumps(reply.content, ensure_ascii=False)

    def grade(self, question: str, answer: str, points: list[GradingPoint], misconceptions: list[str],
              offline: GradeResult) -> GradeResult:
        prompt = self.prompt(question, answer, points, misconceptions)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        try:
            text = pool.submit(self._invoke, prompt).result(timeout=self.timeout)
        except concurrent.futures.TimeoutError as exc:
            raise LLMGradingError(messages.LLM_TIMEOUT.format(seconds=self.timeout)) from exc
        except LLMGradingError:
            raise
        except Exception as exc:
            raise LLMGradingError(messages.LLM_FAILED.format(reason=f"{type(exc).__name__}: {exc}")) from exc
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        verdict = parse_verdict(text)
        judged = {j.id: j for j in verdict.points}
        if not any(p.id in judged for p in points):
            raise LLMGradingError(messages.LLM_MALFORMED.format(reason="핵심 포인트 판정이 없습니다"))
        verdicts = []
        for p in points:
            j = judged.get(p.id)
            status = j.status if j is not None else "missing"
            verdicts.append(KeyPointVerdict(
                id=p.id, point=p.point, status=status, coverage=rubric.CREDIT[status], evidence=p.evidence,
                answer_span=j.answer_span if j is not None else None, weight=p.weight,
                claim="LLM 판정: 노트와 다름" if status == "contradicted" else None))
        credits = [rubric.PointCredit(v.status, v.weight) for v in verdicts]
        score = rubric.score(credits)
        if offline.score is not None and abs(score - offline.score) >= 2:
            # The judge and the evidence in the answer disagree a lot: the evidence-backed grade
            # is kept (and stored); the candidate is told.
            return offline.model_copy(update={
                "flags": [*offline.flags, "llm_disagrees"],
                "message": " ".join(filter(None, [messages.LLM_DISAGREES.format(llm=score, offline=offline.score),
                                                   offline.message])),
                "features": {**offline.features, "llm_score": float(score)},
            })
        return offline.model_copy(update={
            "score": score,
            "covered": [v.point for v in verdicts if v.status == "covered"],
            "missing": [v.point for v in verdicts if v.status in ("missing", "partial")],
            "misconceptions": verdict.misconceptions,
            "key_points": verdicts,
            "grader": self.name,
            "rubric": rubric.reason(credits, score),
            "message": verdict.rationale or offline.message,
            "features": {**offline.features, "offline_score": float(offline.score or 0)},
        })
