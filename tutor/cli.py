"""`tutor` command line: index, search and evaluate (more commands join as rooms are built)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tutor import messages
from tutor.errors import InvalidInputError, TutorError
from tutor.settings import get_settings

app = typer.Typer(
    help="면접 튜터: 노트 기반 한국어 AI/ML 기술 면접 연습 도구",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
eval_app = typer.Typer(help="평가 데이터로 검색·채점 품질을 측정합니다.", no_args_is_help=True)
corpus_app = typer.Typer(help="노트 코퍼스 관리 (원본 블로그 글 → 정리된 노트).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(corpus_app, name="corpus")

out = Console()
err = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="인덱스를 지우고 처음부터 다시 만듭니다.")] = False,
) -> None:
    """노트를 청크로 나누어 벡터 저장소(Chroma)에 색인합니다."""
    from tutor.corpus.chunking import chunk_notes
    from tutor.corpus.notes import load_notes
    from tutor.retrieval import open_store

    settings = get_settings()
    notes = load_notes(settings.corpus_dir)
    chunks = chunk_notes(notes)
    store = open_store(settings, fresh=rebuild)
    with _progress() as progress:
        task = progress.add_task(messages.INDEX_PROGRESS, total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = store.sync(chunks, rebuild=rebuild, progress=step)
        progress.update(task, total=max(report.added, 1), completed=max(report.added, 1))
    if report.added or report.removed:
        out.print(
            messages.INDEX_DONE.format(
                notes=len(notes), chunks=report.chunks, added=report.added,
                removed=report.removed, model=report.model,
            )
        )
    else:
        out.print(messages.INDEX_UP_TO_DATE.format(chunks=report.chunks, model=report.model))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="검색할 질문 (한국어/영어)")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="가져올 청크 수")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid | dense | bm25")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="JSON 한 개로 출력")] = False,
) -> None:
    """노트에서 질문과 관련된 부분을 찾습니다 (dense + BM25 하이브리드)."""
    from tutor.retrieval import open_retriever

    if mode not in ("hybrid", "dense", "bm25"):
        raise typer.BadParameter("hybrid, dense, bm25 중 하나를 고르세요.", param_hint="--mode")
    result = open_retriever().retrieve(query, k=k, mode=mode)  # type: ignore[arg-type]
    if as_json:
        print(json.dumps(
            {
                "query": result.query,
                "mode": result.mode,
                "covered": result.covered,
                "relevance": round(result.relevance, 4),
                "hits": [h.as_dict() for h in result.hits],
            },
            ensure_ascii=False,
        ))
        return
    if not result.covered:
        out.print(f"[yellow]{messages.NOT_COVERED.format(score=result.relevance)}[/]")
    for rank, hit in enumerate(result.hits, 1):
        c = hit.chunk
        out.rule(f"{rank}. {c.source} · {c.heading or c.title}  (score {hit.score:.4f})", align="left")
        out.print(c.text, markup=False, highlight=False)


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Annotated[Path, typer.Option(help="JSONL: {\"query\": ..., \"relevant\": [...]} 한 줄에 하나")],
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 5,
    split: Annotated[str | None, typer.Option(help="이 split 값(dev/test)을 가진 줄만 평가")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="하이브리드 결과를 JSON 한 개로 출력")] = False,
) -> None:
    """Recall@1/3/5와 MRR을 dense · BM25 · 하이브리드 나란히 측정합니다."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.retrieval import RetrievalCase, evaluate_retrieval
    from tutor.retrieval import open_retriever
    from tutor.retrieval.hybrid import MODES

    cases = read_jsonl(dataset, RetrievalCase)
    if split:
        cases = [c for c in cases if getattr(c, "split", None) == split]
        if not cases:
            raise InvalidInputError(messages.DATASET_EMPTY.format(path=f"{dataset} (split={split})"))
    retriever = open_retriever()
    scores = {}
    with _progress() as progress:
        for mode in MODES:
            task = progress.add_task(f"{mode} 평가", total=len(cases))
            scores[mode] = evaluate_retrieval(
                retriever, cases, mode=mode, k=k, on_step=lambda t=task: progress.advance(t)
            )
    hybrid = scores["hybrid"]
    if as_json:
        print(json.dumps(
            {**hybrid.as_dict(), "k": k, "by_mode": {m: s.as_dict() for m, s in scores.items()}},
            ensure_ascii=False,
        ))
        return
    table = Table(title=f"검색 평가 ({dataset.name}, n={hybrid.n})")
    table.add_column("retriever")
    for col in ("Recall@1", "Recall@3", "Recall@5", "MRR"):
        table.add_column(col, justify="right")
    for mode, s in scores.items():
        d = s.as_dict()
        table.add_row(mode, *(f"{d[key]:.3f}" for key in ("recall@1", "recall@3", "recall@5", "mrr")))
    out.print(table)
    if hybrid.misses:
        out.print(f"[bold]하이브리드가 상위 {k}개 안에서 못 찾은 질문 ({len(hybrid.misses)}개):[/]")
        for query, rank in hybrid.misses:
            where = f"{rank}위" if rank else f"상위 {max(k, 5)}위 밖"
            out.print(f"  - {query}  [dim]({where})[/]", markup=True, highlight=False)


@eval_app.command("grading")
def eval_grading(
    dataset: Annotated[Path, typer.Option(help="JSONL: {\"question\", \"answer\", \"score\": 0-5} 한 줄에 하나")],
    grader: Annotated[str, typer.Option(help="offline | llm")] = "offline",
    split: Annotated[str | None, typer.Option(help="이 split 값(train/test)을 가진 줄만 평가")] = None,
    report: Annotated[Path | None, typer.Option(help="보고서(Markdown/HTML/혼동 행렬 PNG)를 쓸 폴더")] = None,
    fit: Annotated[bool, typer.Option("--fit", help="train split으로 오프라인 점수 모델을 다시 맞추고 저장")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="결과를 JSON 한 개로 출력")] = False,
) -> None:
    """채점기가 사람의 엄격한 채점과 얼마나 일치하는지 측정합니다 (QWK, Spearman, MAE)."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.grading import GradingCase, evaluate_grading, fit_offline_model, print_grading

    cases = read_jsonl(dataset, GradingCase)
    if fit:
        summary = fit_offline_model(cases, progress=_progress(), console=out)
        if as_json:
            print(json.dumps(summary, ensure_ascii=False))
        return
    if split:
        cases = [c for c in cases if c.split == split]
        if not cases:
            raise InvalidInputError(messages.DATASET_EMPTY.format(path=f"{dataset} (split={split})"))
    result = evaluate_grading(cases, grader=grader, progress=_progress())
    if report:
        for path in result.write_report(report):
            err.print(f"  {path}")
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        print_grading(result, out)


@corpus_app.command("import")
def corpus_import(
    seeds: Annotated[Path, typer.Argument(help="원본 블로그 글 폴더 (예: ../shared/seeds)")],
) -> None:
    """원본 글에서 블로그 군더더기를 걷어 내고 corpus/notes/에 다시 씁니다."""
    from tutor.corpus.importer import import_seeds

    for path in import_seeds(seeds, get_settings().corpus_dir):
        out.print(f"  {path}")


def main() -> None:
    """Entry point: every TutorError becomes its Korean message and an exit code, no traceback."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        app()
    except TutorError as exc:
        err.print(f"[red]오류:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # last line of defence: users get a sentence, developers set TUTOR_DEBUG
        if os.environ.get("TUTOR_DEBUG"):
            raise
        err.print(
            f"[red]오류:[/] {messages.UNEXPECTED.format(kind=type(exc).__name__, detail=exc)}",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
