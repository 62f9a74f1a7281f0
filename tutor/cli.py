"""`tutor` command line: index, search and evaluate (more commands join as rooms are built)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
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
    """노트(기본 노트 + 사용자가 추가한 노트)를 청크로 나누어 벡터 저장소(Chroma)에 색인합니다."""
    _build_index(rebuild=rebuild)


def _build_index(rebuild: bool = False) -> None:
    """Sync the index with a progress bar; `tutor index`, `tutor serve` and `tutor add` share it."""
    from tutor.retrieval import build_index

    settings = get_settings()
    with _progress() as progress:
        tasks: list = []  # the bar appears only when there is something to embed

        def step(done: int, total: int) -> None:
            if not tasks:
                tasks.append(progress.add_task(messages.INDEX_PROGRESS, total=total))
            progress.update(tasks[0], completed=done, total=total)

        report = build_index(settings, rebuild=rebuild, progress=step)
    if report.added or report.removed:
        out.print(
            messages.INDEX_DONE.format(
                chunks=report.chunks, added=report.added, removed=report.removed, model=report.model,
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
    # the shipped notes and the notes TUTOR_USER added (`tutor add`)
    result = open_retriever().retrieve(query, k=k, mode=mode, user=get_settings().user)  # type: ignore[arg-type]
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


@app.command()
def grade(
    answer: Annotated[str, typer.Option("--answer", "-a", help="지원자의 답변")],
    question: Annotated[str | None, typer.Option("--question", "-q", help="면접 질문 (질문 은행에 없어도 됨)")] = None,
    question_id: Annotated[str | None, typer.Option("--id", help="질문 은행의 질문 id (예: bn-01)")] = None,
    grader: Annotated[str, typer.Option(help="auto | offline | llm")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="GradeResult를 JSON으로 출력")] = False,
) -> None:
    """답변 하나를 노트에 근거해 채점하고 피드백과 꼬리 질문을 보여 줍니다."""
    from rich.markdown import Markdown

    from tutor.grading.feedback import pick_follow_up, render_feedback
    from tutor.grading.service import GradingService

    if grader not in ("auto", "offline", "llm"):
        raise typer.BadParameter("auto, offline, llm 중 하나를 고르세요.", param_hint="--grader")
    service = GradingService()
    if question_id:
        found = service.find_question(question_id)
        if found is None:
            raise InvalidInputError(messages.UNKNOWN_QUESTION.format(id=question_id))
    elif question:
        found = service.find_question(question, fuzzy=True)
    else:
        raise InvalidInputError(messages.EMPTY_QUESTION)
    result = service.grade(found or question, answer, grader=grader)
    follow = pick_follow_up(found, result)
    if as_json:
        print(json.dumps({
            **result.model_dump(mode="json"),
            "question_id": found.id if found else None,
            "model_answer": found.model_answer if found else None,
            "follow_up": follow.question if follow else None,
        }, ensure_ascii=False))
        return
    out.print(Markdown(render_feedback(result, found, follow)))


@app.command()
def questions(
    topic: Annotated[str | None, typer.Option(help="이 주제의 질문만")] = None,
    check: Annotated[Path | None, typer.Option("--check", help="이 은행 파일(또는 폴더)을 점검: 인용, concepts, 틀린 주장, 꼬리 질문")] = None,
) -> None:
    """질문 은행의 질문 목록 (id, 주제, 난이도)."""
    from tutor.grading.bank import cached_bank, load_bank

    settings = get_settings()
    if check is not None:
        from tutor.grading.audit import audit_bank

        problems = audit_bank(load_bank(check), settings.corpus_dir)
        for p in problems:
            out.print(f"- {p}", markup=False)
        out.print(f"문제 {len(problems)}개" if problems else "문제 없음")
        raise typer.Exit(1 if problems else 0)
    bank = cached_bank(settings.bank_dir)
    table = Table(title=f"질문 은행 ({len(bank.questions)}문항, 주제 {len(bank.topics)}개)")
    for col in ("id", "주제", "난이도", "질문"):
        table.add_column(col)
    for q in bank.questions:
        if topic is None or q.topic == topic:
            table.add_row(q.id, q.topic, str(q.difficulty), q.question)
    out.print(table)


@app.command()
def practice(
    topic: Annotated[str | None, typer.Option(help="주제 (예: 배치 정규화). 비우면 전체 랜덤")] = None,
    difficulty: Annotated[int | None, typer.Option(min=1, max=3, help="난이도 1–3")] = None,
    depth: Annotated[int, typer.Option(min=0, max=5, help="꼬리 질문 최대 깊이")] = 2,
    questions: Annotated[int, typer.Option("--questions", "-n", min=1, help="본 질문 수")] = 5,
    review: Annotated[bool, typer.Option("--review", help="복습: 예전에 못 한 질문부터 다시 (간격 반복)")] = False,
) -> None:
    """터미널 모의 면접: 질문 → 답변 → 채점·피드백 → 꼬리 질문 → 다음 질문.

    답변 대신 /힌트, /건너뛰기, /종료, /질문 <노트에 물을 것>, (채점 확신이 낮을 때) /체크 1,3 을
    입력할 수 있습니다."""
    from rich.markdown import Markdown

    from tutor.grading.service import GradingService
    from tutor.session.ask import NoteAnswerer
    from tutor.session.history import History
    from tutor.session.intent import ASK_PREFIXES
    from tutor.session.interview import InterviewSession

    settings = get_settings()
    service = GradingService(settings)
    if topic and topic not in service.bank.topics:
        raise InvalidInputError(messages.UNKNOWN_TOPIC.format(topic=topic, topics=", ".join(service.bank.topics)))
    history = History(settings.history_path)
    if review and not history.review_queue(settings.user):
        out.print(f"[yellow]{messages.NOTHING_TO_REVIEW}[/]")
    session = InterviewSession(service, topic=topic, difficulty=difficulty, depth=depth,
                               history=history, user=settings.user, review=review)
    out.print(f"[bold]모의 면접을 시작합니다.[/] 본 질문 {questions}개, 꼬리 질문 최대 {depth}개씩. "
              "/힌트 · /건너뛰기 · /질문 … · /종료")
    turn = session.next_question()
    asked = 1
    to_label = None  # the last low-confidence reply, until the candidate ticks its points
    while True:
        label = "꼬리 질문" if turn.follow_up else f"질문 {asked}"
        out.rule(f"{label} · {turn.question.topic} · 난이도 {turn.question.difficulty}", align="left")
        out.print(turn.text, highlight=False)
        try:
            text = typer.prompt("답변", default="", show_default=False)
        except (EOFError, typer.Abort):
            break
        command = text.strip()
        if command in ("/종료", "/quit", "/q"):
            break
        if command.startswith(("/체크", "/check")):
            if to_label is not None:
                _save_point_labels(session, to_label, command.split(maxsplit=1)[1] if " " in command else "")
                to_label = None
            continue
        if command in ("/힌트", "/hint"):
            out.print(f"[cyan]{session.hint()}[/]")
            continue
        if command.startswith(ASK_PREFIXES):  # a question to the notes, stored with the session
            asked_text = command.split(maxsplit=1)[1].strip() if " " in command else ""
            try:
                found = NoteAnswerer(service).lookup(asked_text, user=settings.user)
            except TutorError as exc:
                out.print(f"[yellow]{exc}[/]")
                continue
            out.print(Markdown(found.text))
            if session.session_id:
                history.record_question(settings.user, session.session_id, asked_text, found.text,
                                        covered=found.covered)
            continue
        if command in ("/건너뛰기", "/skip"):
            revealed, next_turn = session.skip()  # the model answer is shown, and the skip stored
            out.print(Markdown(revealed))
            if asked >= questions:
                break
            turn, asked = next_turn, asked + 1
            continue
        if not command:
            out.print(f"[yellow]{messages.EMPTY_ANSWER}[/]")
            continue
        reply = session.answer(text)
        out.print(Markdown(reply.feedback))
        if reply.result.low_confidence and reply.turn_id is not None:
            to_label = reply
            _offer_point_labels(reply)
        if reply.next_turn is not None:
            turn = reply.next_turn
            continue
        if asked >= questions:
            break
        turn, asked = session.next_question(), asked + 1
    summary = history.session_summary(settings.user, session.session_id)
    if summary:
        out.print(Markdown(summary))
    out.print("[bold]면접을 마칩니다. 수고하셨습니다![/] "
              f"기록: `tutor history --export {session.session_id[:8]}`")


def _offer_point_labels(reply) -> None:
    """A low-confidence grade: list the key points; `/체크 1,3` tells which the candidate made."""
    for n, v in enumerate(reply.result.key_points, 1):
        out.print(f"  {n}. {v.point}", highlight=False)
    out.print(f"[cyan]{messages.LABELS_PROMPT}[/]")


def _save_point_labels(session, reply, text: str) -> None:
    points = reply.result.key_points
    try:
        picked = {int(x) for x in text.replace(" ", "").split(",") if x}
    except ValueError:
        out.print(f"[yellow]{messages.LABELS_BAD.format(text=text)}[/]")
        return
    said = [points[n - 1].id for n in picked if 1 <= n <= len(points)]
    if session.label_points(reply.turn_id, said, [v.id for v in points]):
        out.print(f"[green]{messages.LABELS_SAVED.format(n=len(said))}[/]")


@app.command()
def history(
    export: Annotated[str | None, typer.Option(help="이 세션(id 앞부분)을 내보냅니다")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md | json")] = "md",
) -> None:
    """주제별 진도, 약한 주제, 복습할 질문, 지난 세션 목록. --export로 세션을 Markdown/JSON으로 내보냅니다."""
    from tutor.session.history import History

    settings = get_settings()
    store = History(settings.history_path)
    user = settings.user
    if export:
        matches = [s["id"] for s in store.sessions(user) if s["id"].startswith(export)]
        if len(matches) != 1:
            raise InvalidInputError(messages.UNKNOWN_SESSION.format(id=export))
        if fmt not in ("md", "json"):
            raise typer.BadParameter("md 또는 json", param_hint="--format")
        print(store.export_json(user, matches[0]) if fmt == "json" else store.export_markdown(user, matches[0]))
        return
    progress = store.progress(user)
    if not progress:
        out.print(messages.NO_HISTORY)
        return
    table = Table(title=f"주제별 진도 ({user})")
    for col in ("주제", "답변 수", "평균 점수"):
        table.add_column(col)
    for p in progress:
        table.add_row(p.topic, str(p.answers), f"{p.mean_score:.2f}")
    out.print(table)
    weak = store.weakest_topics(user)
    out.print("약한 주제: " + (", ".join(p.topic for p in weak) if weak else "없음 (답변 2개 이상, 평균 3점 미만)"))
    due = store.review_queue(user)
    out.print(f"복습할 질문 {len(due)}개" + (": " + ", ".join(
        f"{i.question_id}({'건너뜀' if i.last_score is None else f'{i.last_score}점'})" for i in due[:5]) if due else ""))
    for s_ in store.sessions(user)[:10]:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s_["started_at"]))
        out.print(f"  {s_['id'][:8]}  {started}  {s_['mode']}  답변 {s_['turns']}개")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="바인딩할 주소. 127.0.0.1 외의 주소는 TUTOR_AUTH 로그인이 필요합니다.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="포트")] = 7860,
) -> None:
    """브라우저 면접 튜터(Gradio)를 띄웁니다. 인덱스가 없으면 먼저 만듭니다."""
    from tutor.ui.auth import checker, is_loopback, parse_auth, serving_host

    started = time.perf_counter()
    settings = get_settings()
    host = serving_host(host, dict(os.environ))
    users = parse_auth(settings.auth)
    if not users and not is_loopback(host):
        raise InvalidInputError(messages.AUTH_REQUIRED.format(host=host))
    _build_index()
    import threading

    from tutor.grading.service import GradingService

    # Loading the models (Kiwi, e5) and importing Gradio take seconds each: do them side by side.
    service = GradingService(settings)
    failed: list[BaseException] = []

    def warm() -> None:
        try:
            service.warm_up()
        except BaseException as exc:  # re-raised in the main thread, as a Korean message
            failed.append(exc)

    loader = threading.Thread(target=warm, name="warm-up")
    loader.start()
    from tutor.ui.app import TutorApp, launch

    loader.join()
    if failed:
        raise failed[0]
    tutor_app = TutorApp(settings, service)
    demo = launch(tutor_app, host, port, auth=checker(users) if users else None)
    tutor_app.warm_in_background()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(messages.SERVE_READY.format(url=f"http://{shown}:{port}")
              + f" ({time.perf_counter() - started:.1f}초)" + (f" · 로그인 사용자 {len(users)}명" if users else ""))
    sys.stdout.flush()
    try:  # not Gradio's block_thread(): it prints its own English line on Ctrl-C
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.print(messages.SERVE_STOPPED)
    finally:
        demo.close()


@app.command()
def add(
    file: Annotated[Path, typer.Argument(help="추가할 노트 파일 (.md 또는 .txt, 최대 1 MB)")],
) -> None:
    """내 노트를 추가하고 바로 색인합니다 (바뀐 부분만 임베딩). 같은 이름이면 새 내용으로 바꿉니다."""
    from tutor.corpus.own_notes import read_note_file
    from tutor.grading.service import GradingService
    from tutor.session.library import NoteLibrary

    settings = get_settings()
    data = read_note_file(file)  # a missing or oversized file fails before any model is loaded
    _build_index()  # the shipped notes first, on a fresh machine
    library = NoteLibrary(GradingService(settings))
    with _progress() as progress:
        task = progress.add_task(messages.INDEX_PROGRESS, total=None)
        added = library.add(settings.user, file.name, data,
                            progress=lambda done, total: progress.update(task, completed=done, total=total))
    out.print(messages.NOTE_ADDED.format(name=added.name, chunks=added.chunks, added=added.added))


@app.command()
def notes(
    remove: Annotated[str | None, typer.Option(help="이 이름의 내 노트를 지웁니다")] = None,
) -> None:
    """내가 추가한 노트 목록 (TUTOR_USER 기준). --remove로 지웁니다."""
    from tutor.grading.service import GradingService
    from tutor.session.library import NoteLibrary

    settings = get_settings()
    library = NoteLibrary(GradingService(settings))
    if remove:
        if not library.remove(settings.user, remove):
            raise InvalidInputError(messages.NOTE_UNKNOWN.format(name=remove))
        out.print(messages.NOTE_REMOVED.format(name=remove))
        return
    names = library.names(settings.user)
    out.print("\n".join(f"  {n}" for n in names) if names else messages.NO_OWN_NOTES)


def _split(cases: list, split: str | None, path: Path) -> list:
    if not split:
        return cases
    picked = [c for c in cases if getattr(c, "split", None) == split]
    if not picked:
        raise InvalidInputError(messages.DATASET_EMPTY.format(path=f"{path} (split={split})"))
    return picked


DEFAULT_UNCOVERED = Path("eval/uncovered.jsonl")


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Annotated[Path, typer.Option(help="JSONL: {\"query\": ..., \"relevant\": [...]} 한 줄에 하나")],
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 5,
    split: Annotated[str | None, typer.Option(help="이 split 값(dev/test)을 가진 줄만 평가")] = None,
    uncovered: Annotated[Path | None, typer.Option(
        help="노트가 답하지 않는 질문 JSONL (kind=uncovered 줄): 거절률을 함께 출력 (기본: eval/uncovered.jsonl, 있으면)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="하이브리드 결과를 JSON 한 개로 출력")] = False,
) -> None:
    """Recall@1/3/5와 MRR을 dense · BM25 · 하이브리드 나란히 측정하고, '노트에 없음' 판단의 두
    오류율(답이 있는 질문을 거절한 비율, 답이 없는 질문을 거절한 비율)을 함께 출력합니다."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.retrieval import RetrievalCase, UncoveredCase, abstentions, evaluate_retrieval
    from tutor.retrieval import open_retriever
    from tutor.retrieval.hybrid import MODES

    cases = _split(read_jsonl(dataset, RetrievalCase), split, dataset)
    if uncovered is None and DEFAULT_UNCOVERED.is_file():
        uncovered = DEFAULT_UNCOVERED
    outside = []
    if uncovered is not None:
        outside = [c.query for c in read_jsonl(uncovered, UncoveredCase) if c.kind == "uncovered"
                   and (not split or getattr(c, "split", None) == split)]
    retriever = open_retriever()
    scores, refused = {}, {}
    with _progress() as progress:
        for mode in MODES:
            task = progress.add_task(f"{mode} 평가", total=len(cases) + len(outside))
            step = lambda t=task: progress.advance(t)  # noqa: E731
            scores[mode] = evaluate_retrieval(retriever, cases, mode=mode, k=k, on_step=step)
            refused[mode] = abstentions(retriever, outside, mode=mode, on_step=step)
    hybrid = scores["hybrid"]

    def abstain(mode: str) -> float | None:
        return round(sum(refused[mode]) / len(refused[mode]), 4) if refused[mode] else None

    if as_json:
        print(json.dumps(
            {**hybrid.as_dict(), "abstain_uncovered": abstain("hybrid"), "uncovered_n": len(outside), "k": k,
             "by_mode": {m: {**s.as_dict(), "abstain_uncovered": abstain(m)} for m, s in scores.items()}},
            ensure_ascii=False,
        ))
        return
    table = Table(title=f"검색 평가 ({dataset.name}, n={hybrid.n})")
    table.add_column("retriever")
    for col in ("Recall@1", "Recall@3", "Recall@5", "MRR", "답 있는데 '없음'"):
        table.add_column(col, justify="right")
    if outside:
        table.add_column(f"답 없는 질문 거절 (n={len(outside)})", justify="right")
    for mode, s in scores.items():
        d = s.as_dict()
        row = [f"{d[key]:.3f}" for key in ("recall@1", "recall@3", "recall@5", "mrr")]
        row.append(f"{d['not_covered']:.1%}")
        if outside:
            row.append(f"{abstain(mode):.1%}")
        table.add_row(mode, *row)
    out.print(table)
    if hybrid.misses:
        out.print(f"[bold]하이브리드가 상위 {k}개 안에서 못 찾은 질문 ({len(hybrid.misses)}개):[/]")
        for query, rank in hybrid.misses:
            where = f"{rank}위" if rank else f"상위 {max(k, 5)}위 밖"
            out.print(f"  - {query}  [dim]({where})[/]", markup=True, highlight=False)


@eval_app.command("coverage")
def eval_coverage(
    answerable: Annotated[list[Path], typer.Option(help="답이 노트에 있는 질문 JSONL (여러 번 가능)")] = [
        Path("eval/retrieval.jsonl"), Path("eval/retrieval-hard.jsonl")],  # noqa: B006
    unanswerable: Annotated[list[Path], typer.Option(help="노트가 답하지 않는 질문 JSONL (여러 번 가능)")] = [
        Path("eval/uncovered.jsonl"), Path("eval/offtopic.jsonl")],  # noqa: B006
    out_path: Annotated[Path, typer.Option("--out", help="맞춘 모델을 쓸 파일")] = Path("tutor/retrieval/coverage.json"),
) -> None:
    """'노트에 없음' 판단을 dev split으로 다시 맞추고(로지스틱 회귀, 5-fold CV로 임계값 선택),
    test split에서 두 오류율을 출력합니다. split이 없는 줄(offtopic)은 학습에 씁니다."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.retrieval import RetrievalCase, UncoveredCase, coverage_features, fit_coverage
    from tutor.retrieval import open_retriever
    from tutor.retrieval.coverage import CoverageModel

    def rows(paths: list[Path], model, keep) -> dict[str, list[str]]:
        by_split: dict[str, list[str]] = {"dev": [], "test": []}
        for path in paths:
            for c in read_jsonl(path, model):
                if keep(c):
                    by_split["test" if getattr(c, "split", "dev") == "test" else "dev"].append(c.query)
        return by_split

    yes = rows(answerable, RetrievalCase, lambda c: True)
    no = rows(unanswerable, UncoveredCase, lambda c: c.kind == "uncovered")
    retriever = open_retriever()
    with _progress() as progress:
        task = progress.add_task("특징 계산", total=sum(map(len, (*yes.values(), *no.values()))))
        feats = {(side, split): coverage_features(retriever, qs, on_step=lambda: progress.advance(task))
                 for side, data in (("yes", yes), ("no", no)) for split, qs in data.items()}
    model = fit_coverage(feats["yes", "dev"], feats["no", "dev"])
    test_false = [not model.covers(model.probability(f)) for f in feats["yes", "test"]]
    test_abstain = [not model.covers(model.probability(f)) for f in feats["no", "test"]]
    info = {**model.info, "test_false_abstain": round(sum(test_false) / max(1, len(test_false)), 4),
            "test_abstain": round(sum(test_abstain) / max(1, len(test_abstain)), 4),
            "test_n": {"answerable": len(test_false), "unanswerable": len(test_abstain)}}
    model = CoverageModel(model.features, model.weights, model.bias, model.threshold, model.mean, model.scale, info)
    out_path.write_text(json.dumps(model.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.print(json.dumps(info, ensure_ascii=False, indent=2), highlight=False)
    out.print(f"저장: {out_path}")


@eval_app.command("intent")
def eval_intent(
    dataset: Annotated[Path, typer.Option(help="JSONL: {\"message\", \"label\": answer|ask, \"kind\"} 한 줄에 하나")] = Path(
        "eval/intent.jsonl"),
    split: Annotated[str | None, typer.Option(help="이 split 값(dev/test)을 가진 줄만 평가")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="결과를 JSON 한 개로 출력")] = False,
) -> None:
    """Enter로 보낸 글을 '답변'과 '노트에 질문'으로 가르는 추측이 사람의 라벨과 얼마나 맞는지 측정합니다."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.intent import IntentCase, evaluate_intent

    cases = _split(read_jsonl(dataset, IntentCase), split, dataset)
    result = evaluate_intent(cases)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"답변/질문 추측 ({dataset.name}, n={result['n']})")
    for col in ("종류", "n", "맞음"):
        table.add_column(col, justify="right" if col != "종류" else "left")
    for kind, row in result["by_kind"].items():
        table.add_row(kind, str(row["n"]), f"{row['accuracy']:.1%}")
    table.add_row("[bold]전체[/]", str(result["n"]), f"[bold]{result['accuracy']:.1%}[/]")
    out.print(table)
    out.print(f"답변을 질문으로 잘못 본 비율: {result['answer_as_ask']:.1%} · "
              f"질문을 답변으로 잘못 본 비율: {result['ask_as_answer']:.1%}")


@eval_app.command("grading")
def eval_grading(
    dataset: Annotated[Path, typer.Option(help="JSONL: {\"question\", \"answer\", \"score\": 0-5} 한 줄에 하나")],
    grader: Annotated[str, typer.Option(help="offline | llm")] = "offline",
    split: Annotated[str | None, typer.Option(help="이 split 값(train/test)을 가진 줄만 평가")] = None,
    report: Annotated[Path | None, typer.Option(help="보고서(Markdown/HTML/혼동 행렬 PNG)를 쓸 폴더")] = None,
    fit: Annotated[bool, typer.Option("--fit", help="train split으로 채점 기준(점수 구간)을 다시 맞추고 저장")] = False,
    fit_out: Annotated[Path | None, typer.Option("--out", help="--fit 결과를 쓸 파일 (기본: TUTOR_HOME/rubric_thresholds.json)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="결과를 JSON 한 개로 출력")] = False,
) -> None:
    """채점기가 사람의 엄격한 채점과 얼마나 일치하는지 측정합니다 (QWK, Spearman, MAE)."""
    from tutor.evaluation.datasets import read_jsonl
    from tutor.evaluation.grading import (
        GradingCase,
        evaluate_grading,
        fit_offline_model,
        print_grading,
    )

    cases = read_jsonl(dataset, GradingCase)
    if fit:
        target = fit_out or get_settings().home / "rubric_thresholds.json"
        summary = fit_offline_model(cases, target, progress=_progress(), console=out)
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


@eval_app.command("labels")
def eval_labels(
    export: Annotated[Path | None, typer.Option(help="라벨을 JSONL로 쓸 파일 (질문, 답변, 포인트, 채점기 판정, 본인 체크)")] = None,
    all_users: Annotated[bool, typer.Option("--all-users", help="모든 사용자의 라벨 (기본: TUTOR_USER)")] = False,
) -> None:
    """후보자가 직접 체크한 포인트(확신 낮은 채점)를 채점기 판정과 비교합니다."""
    from tutor.session.history import History

    settings = get_settings()
    labels = History(settings.history_path).point_labels(None if all_users else settings.user)
    if not labels:
        out.print(messages.LABELS_NONE)
        return
    if export is not None:
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labels), encoding="utf-8")
        err.print(f"  {export}")
    said = [r["candidate_said"] for r in labels]
    grader = [r["grader_status"] in ("covered", "partial") for r in labels]
    agree = sum(a == b for a, b in zip(said, grader))
    table = Table(title=f"후보자 체크 vs 채점기 (포인트 {len(labels)}개)")
    for col in ("", "채점기: 말함", "채점기: 안 말함"):
        table.add_column(col)
    for who in (True, False):
        table.add_row("본인: 말함" if who else "본인: 안 말함",
                      str(sum(s == who and g for s, g in zip(said, grader))),
                      str(sum(s == who and not g for s, g in zip(said, grader))))
    out.print(table)
    out.print(f"일치율 {agree / len(labels):.1%}")


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
        err.print(messages.INTERRUPTED)
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
