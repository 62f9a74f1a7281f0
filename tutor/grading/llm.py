"""The LLM judge: any chat model LangChain's `init_chat_model` can build (OpenAI, Ollama,
Anthropic, or an OpenAI-compatible server such as vLLM / LM Studio / llama.cpp by base URL).

It gets the rubric, key points, misconceptions and evidence with the answer fenced as data,
must reply with one JSON object of a fixed shape, and is validated into `GradeResult`. Any
timeout, error or invalid reply is raised as `LLMGradingError` so the service can fall back
to the offline grader and say so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field, ValidationError

from tutor import messages
from tutor.errors import BackendUnavailableError, TutorError
from tutor.grading import rubric
from tutor.grading.models import RUBRIC, GradeResult, KeyPointVerdict
from tutor.grading.offline import GradingPoint

log = logging.getLogger(__name__)


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


class VerdictCache:
    """Validated verdicts in one SQLite file, so re-running an evaluation costs no LLM calls.

    Only a reply that parsed and validated is stored (LangChain's own cache stores the raw reply
    before anyone has read it, so one garbage reply would be served again forever)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("create table if not exists verdicts (key text primary key, value text)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model: str, prompt: str) -> str:
        return hashlib.sha256(f"{model}\x00{prompt}".encode()).hexdigest()

    def get(self, key: str) -> LLMVerdict | None:
        with self._lock:
            row = self._db.execute("select value from verdicts where key=?", (key,)).fetchone()
        try:
            return LLMVerdict.model_validate_json(row[0]) if row else None
        except ValidationError:
            return None  # written by an older schema: ask again

    def put(self, key: str, verdict: LLMVerdict) -> None:
        try:
            with self._lock, self._db:
                self._db.execute("insert or replace into verdicts values (?, ?)", (key, verdict.model_dump_json()))
        except sqlite3.Error as exc:  # a full disk costs the next run a call, not this grade
            log.warning("LLM verdict not cached: %s", exc)

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("delete from verdicts")


# -- one deadline for every call and every stream -----------------------------------------
# LLM calls run as tasks on one background event loop, so a call past its deadline is cancelled
# (its HTTP request closed), not left running in a thread nobody waits for.

_LOOP: asyncio.AbstractEventLoop | None = None
_LOOP_LOCK = threading.Lock()


def _loop() -> asyncio.AbstractEventLoop:
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None or _LOOP.is_closed():
            _LOOP = asyncio.new_event_loop()
            threading.Thread(target=_LOOP.run_forever, name="llm-calls", daemon=True).start()
        return _LOOP


def _timed_out(seconds: float) -> LLMGradingError:
    return LLMGradingError(messages.LLM_TIMEOUT.format(seconds=f"{seconds:g}"))  # "0.5초", never "0초"


def invoke_within(runnable, prompt: str, seconds: float):
    """`runnable.ainvoke(prompt)`, cancelled after `seconds`."""
    future = asyncio.run_coroutine_threadsafe(runnable.ainvoke(prompt), _loop())
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError as exc:
        future.cancel()
        raise _timed_out(seconds) from exc


def stream_within(model: BaseChatModel, prompt: str, seconds: float) -> Iterator[str]:
    """The text pieces of `model.astream(prompt)` as they arrive; the whole stream, not each
    piece, must end within `seconds`, else it is cancelled and LLMGradingError is raised."""
    pieces: queue.Queue = queue.Queue()
    done = object()

    async def pump() -> None:
        try:
            async for chunk in model.astream(prompt):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    pieces.put(text)
        except BaseException as exc:  # handed to the reader, cancellation included
            pieces.put(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            pieces.put(done)

    future = asyncio.run_coroutine_threadsafe(pump(), _loop())
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise _timed_out(seconds) from None
            if item is done:
                return
            if isinstance(item, BaseException):
                raise LLMGradingError(messages.LLM_FAILED.format(reason=f"{type(item).__name__}: {item}")) from item
            if time.monotonic() > deadline:
                raise _timed_out(seconds)
            yield item
    finally:
        future.cancel()


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


def _text(reply) -> str:
    content = getattr(reply, "content", reply)
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


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
    """The judge: per-key-point verdicts through LangChain structured output (the `LLMVerdict`
    schema; a JSON reply is parsed when a model has no structured output), within one deadline."""

    def __init__(self, model: BaseChatModel, name: str, prompts_dir: Path, timeout: float = 30.0,
                 cache: VerdictCache | None = None) -> None:
        self.model = model
        self.name = f"llm:{name}"
        self.template = (prompts_dir / "grade.md").read_text(encoding="utf-8")
        self.timeout = timeout
        self.cache = cache
        try:
            self.structured = model.with_structured_output(LLMVerdict, include_raw=True)
        except (NotImplementedError, ValueError, TypeError):
            self.structured = None  # e.g. a plain completion model: its reply is parsed as JSON

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

    def verdict(self, prompt: str, ids: set[str]) -> LLMVerdict:
        """The judge's validated verdict for `prompt`, judging at least one of `ids` (cached once
        valid); LLMGradingError else."""
        key = VerdictCache.key(self.name, prompt)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            return cached
        try:
            if self.structured is not None:
                out = invoke_within(self.structured, prompt, self.timeout)
                parsed = out.get("parsed") if isinstance(out, dict) else None
                verdict = (parsed if isinstance(parsed, LLMVerdict) else
                           LLMVerdict.model_validate(parsed) if parsed is not None else
                           parse_verdict(_text(out.get("raw") if isinstance(out, dict) else out)))
            else:
                verdict = parse_verdict(_text(invoke_within(self.model, prompt, self.timeout)))
        except LLMGradingError:
            raise
        except ValidationError as exc:
            raise LLMGradingError(messages.LLM_MALFORMED.format(reason=str(exc).splitlines()[0])) from exc
        except Exception as exc:
            raise LLMGradingError(messages.LLM_FAILED.format(reason=f"{type(exc).__name__}: {exc}")) from exc
        if not any(j.id in ids for j in verdict.points):
            raise LLMGradingError(messages.LLM_MALFORMED.format(reason="핵심 포인트 판정이 없습니다"))
        if self.cache is not None:
            self.cache.put(key, verdict)
        return verdict

    def grade(self, question: str, answer: str, points: list[GradingPoint], misconceptions: list[str],
              offline: GradeResult) -> GradeResult:
        verdict = self.verdict(self.prompt(question, answer, points, misconceptions), {p.id for p in points})
        judged = {j.id: j for j in verdict.points}
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
