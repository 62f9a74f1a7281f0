"""The browser tutor (Gradio Blocks): 모의 면접 chat, 기록·복습, 내 노트.

Thin on purpose: each handler finds the browser's `ChatTutor` and shows what the session layer
returns. One browser = one user id (the login name with auth, otherwise a random id kept in the
browser's localStorage), so two browsers never see each other's interview or history."""

from __future__ import annotations

import os

# Before gradio is imported: no analytics, no update check, no hub lookups (no outgoing traffic).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import logging
import secrets
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
import pandas as pd

from tutor import messages
from tutor.corpus.own_notes import MAX_NOTE_BYTES, read_note_file
from tutor.errors import TutorError
from tutor.grading.service import GradingService
from tutor.session.chat import ALL_TOPICS, ChatTutor
from tutor.session.history import History
from tutor.session.library import NoteLibrary
from tutor.settings import Settings

log = logging.getLogger(__name__)

DIFFICULTIES = ["전체", "1 (기초)", "2 (중급)", "3 (심화)"]
# System fonts only: a web font would make every browser call out to a font CDN.
KOREAN_FONTS = ["Pretendard", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", "Noto Sans CJK KR",
                "ui-sans-serif", "system-ui", "sans-serif"]
CSS = """
.gradio-container { max-width: 1100px !important; width: 100% !important; margin: auto; }
#chat .message { font-size: 15px; line-height: 1.6; }
"""


def _browser_secret(home: Path) -> str:
    """A stable key for the browser-side state, so a restart does not forget who was who."""
    path = home / "ui_secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def korean_errors(handler):
    """A handler's TutorError (a full disk, a read-only home …) is shown as its Korean message,
    not as Gradio's generic English error."""
    import functools

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except TutorError as exc:
            raise gr.Error(str(exc), title="오류", print_exception=False) from exc

    return wrapped


class TutorApp:
    """Shared services (one model, one index, one history database) and the per-browser tutors."""

    def __init__(self, settings: Settings, service: GradingService | None = None) -> None:
        self.settings = settings
        self.service = service or GradingService(settings)
        self.history = History(settings.history_path)
        self.engine = self.service.engine  # the models run one at a time: 2 cores, one e5
        self.library = NoteLibrary(self.service, self.engine)

    def warm_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.service.warm_bank, args=(self.engine,), daemon=True,
                                  name="warm-bank")
        thread.start()
        return thread

    # -- who is this browser ------------------------------------------------------------
    def user_of(self, saved: dict | None, request: gr.Request | None) -> str:
        username = getattr(request, "username", None) if request is not None else None
        if username:
            return str(username)
        saved = saved if isinstance(saved, dict) else {}
        user = saved.get("user")
        if isinstance(user, str) and user.startswith("browser-") and len(user) <= 64:
            return user
        return f"browser-{uuid.uuid4().hex[:12]}"

    def tutor_for(self, tutor: ChatTutor | None, saved: dict | None, request: gr.Request | None) -> ChatTutor:
        """This browser's tutor: the one in its session state, else the interview it left
        (after a reload; only if that session is this user's), else a new interview."""
        if tutor is not None:
            return tutor
        user = self.user_of(saved, request)
        session = saved.get("session") if isinstance(saved, dict) else None
        if isinstance(session, str) and session:
            resumed = ChatTutor.resume(self.service, self.history, user, session, self.engine)
            if resumed is not None:
                return resumed
        tutor = ChatTutor(self.service, self.history, user, self.engine)
        tutor.start()
        return tutor

    @staticmethod
    def saved_of(tutor: ChatTutor) -> dict:
        return {"user": tutor.user, "session": tutor.session_id}

    # -- handlers -------------------------------------------------------------------------
    @korean_errors
    def on_load(self, saved: dict | None, request: gr.Request):
        tutor = self.tutor_for(None, saved, request)
        return (tutor, tutor.messages, self.saved_of(tutor), self.status(tutor),
                *self.history_view(tutor), *self.notes_view(tutor))

    @korean_errors
    def on_start(self, tutor, saved, topic, difficulty, depth, review, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        level = DIFFICULTIES.index(difficulty) if difficulty in DIFFICULTIES[1:] else None
        try:
            chat = tutor.start(topic, level, int(depth or 0), bool(review))
        except TutorError as exc:
            chat = [*tutor.messages, {"role": "assistant", "content": f"⚠️ {exc}"}]
        return tutor, chat, self.saved_of(tutor), self.status(tutor)

    def on_send(self, tutor, saved, text, intent, request: gr.Request):
        """`intent`: "answer" (답변 제출), "ask" (노트에 질문) or "auto" (Enter: guessed)."""
        tutor = self.tutor_for(tutor, saved, request)
        for chat, keep in tutor.send(text, intent if intent in ("answer", "ask") else "auto"):
            yield (tutor, chat, keep, self.saved_of(tutor), self.status(tutor), *self.labels_view(tutor))

    def on_answer(self, tutor, saved, text, request: gr.Request):
        yield from self.on_send(tutor, saved, text, "answer", request)

    def on_ask(self, tutor, saved, text, request: gr.Request):
        yield from self.on_send(tutor, saved, text, "ask", request)

    @korean_errors
    def on_labels(self, tutor, saved, said, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        chat = tutor.save_labels(list(said or []))
        return (tutor, chat, *self.labels_view(tutor))

    @staticmethod
    def labels_view(tutor: ChatTutor):
        """The tick list under the chat: shown only while a low-confidence grade waits for it."""
        if tutor.label_request is None:
            return gr.Group(visible=False), gr.CheckboxGroup(choices=[], value=[])
        _, offered = tutor.label_request
        return gr.Group(visible=True), gr.CheckboxGroup(choices=offered, value=[])

    @korean_errors
    def on_hint(self, tutor, saved, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        return tutor, tutor.hint()

    @korean_errors
    def on_finish(self, tutor, saved, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        return tutor, tutor.finish()

    @korean_errors
    def on_skip(self, tutor, saved, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        return tutor, tutor.skip(), self.saved_of(tutor), self.status(tutor)

    @korean_errors
    def on_review(self, tutor, saved, depth, request: gr.Request):
        tutor, chat, saved, status = self.on_start(tutor, saved, ALL_TOPICS, DIFFICULTIES[0], depth, True, request)
        return tutor, chat, saved, status, gr.Tabs(selected="interview")

    @korean_errors
    def on_history(self, tutor, saved, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        return (tutor, *self.history_view(tutor))

    @korean_errors
    def on_export(self, tutor, saved, session_id, fmt, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        if not session_id:
            gr.Warning(messages.EXPORT_NOTHING)
            return tutor, None
        sessions = {s["id"] for s in self.history.sessions(tutor.user)}
        if session_id not in sessions:  # only one's own sessions, whatever the request says
            gr.Warning(messages.UNKNOWN_SESSION.format(id=str(session_id)[:8]))
            return tutor, None
        json_out = fmt == "JSON"
        text = (self.history.export_json if json_out else self.history.export_markdown)(tutor.user, session_id)
        folder = Path(tempfile.mkdtemp(prefix="tutor-export-"))
        path = folder / f"면접기록-{session_id[:8]}.{'json' if json_out else 'md'}"
        path.write_text(text, encoding="utf-8")
        return tutor, str(path)

    @korean_errors
    def on_upload(self, tutor, saved, file, request: gr.Request, progress=gr.Progress()):
        tutor = self.tutor_for(tutor, saved, request)
        if not file:
            return (tutor, messages.UPLOAD_NOTHING, *self.notes_view(tutor))
        path = Path(file if isinstance(file, str) else getattr(file, "name", ""))
        try:
            added = self.library.add(
                tutor.user, path.name, read_note_file(path),
                progress=lambda done, total: progress((done, total), desc=messages.INDEX_PROGRESS))
            status = messages.NOTE_ADDED.format(name=added.name, chunks=added.chunks, added=added.added)
        except TutorError as exc:
            status = f"⚠️ {exc}"
        return (tutor, status, *self.notes_view(tutor))

    @korean_errors
    def on_remove(self, tutor, saved, name, request: gr.Request):
        tutor = self.tutor_for(tutor, saved, request)
        removed = bool(name) and self.library.remove(tutor.user, name)
        status = messages.NOTE_REMOVED.format(name=name) if removed else messages.NOTE_UNKNOWN.format(name=name or "")
        return (tutor, status, *self.notes_view(tutor))

    # -- views ----------------------------------------------------------------------------
    def status(self, tutor: ChatTutor) -> str:
        # No internal ids: a browser without login is "이 브라우저", a login is its name.
        who = "이 브라우저" if tutor.user.startswith("browser-") else tutor.user
        grader = f"LLM 채점 ({self.settings.llm})" if self.settings.llm_enabled else "오프라인 채점기 (LLM 없음)"
        return f"사용자: {who} · {grader}"

    def history_view(self, tutor: ChatTutor):
        user = tutor.user
        progress = self.history.progress(user)
        by_topic = pd.DataFrame([{"주제": p.topic, "평균 점수": p.mean_score, "답변 수": p.answers} for p in progress],
                                columns=["주제", "평균 점수", "답변 수"])
        mains = [t for t in self.history.turns(user) if t["kind"] == "main"]
        over_time = pd.DataFrame(
            [{"답변": n, "점수": t["score"], "주제": t["topic"],
              "최근 5개 평균": sum(m["score"] for m in mains[max(0, n - 5):n]) / min(n, 5)}
             for n, t in enumerate(mains, 1)],
            columns=["답변", "점수", "주제", "최근 5개 평균"])
        weak = self.history.weakest_topics(user)
        if weak:
            weakest = "**약한 주제**: " + ", ".join(f"{p.topic} (평균 {p.mean_score:.1f}점, {p.answers}개)" for p in weak)
        else:
            weakest = messages.NO_WEAK_TOPICS if progress else messages.HISTORY_EMPTY
        due = self.history.review_queue(user)
        review = ("**지금 복습할 질문** (점수가 낮고 오래된 것부터)\n\n" + "\n".join(
            f"- {i.question} — {'건너뜀' if i.last_score is None else f'{i.last_score}점'}, "
            f"{time.strftime('%m-%d %H:%M', time.localtime(i.answered_at))}"
            for i in due)) if due else messages.REVIEW_NONE_DUE
        choices = [(f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(s['started_at']))} · "
                    f"{'복습' if s['mode'] == 'review' else '면접'} · 답변 {s['turns']}개"
                    + (f" · 노트 질문 {s['questions']}개" if s["questions"] else "") + f" · {s['id'][:8]}", s["id"])
                   for s in self.history.sessions(user) if s["turns"] or s["questions"]]
        current = tutor.session_id if any(v == tutor.session_id for _, v in choices) else None
        return by_topic, over_time, weakest, review, gr.Dropdown(choices=choices, value=current)

    def notes_view(self, tutor: ChatTutor):
        names = self.library.names(tutor.user)
        listing = "\n".join(f"- {n}" for n in names) if names else messages.NO_OWN_NOTES
        return listing, gr.Dropdown(choices=names, value=None)

    # -- layout ---------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        topics = [ALL_TOPICS, *self.service.bank.topics]
        with gr.Blocks(title="면접 튜터") as demo:
            saved = gr.BrowserState({}, storage_key="tutor-session", secret=_browser_secret(self.settings.home))
            tutor = gr.State(None)
            gr.Markdown("# 면접 튜터\nAI/ML 기술 면접을 노트에 근거해 연습합니다. 답변하면 채점·피드백·꼬리 질문을 드립니다.")
            status = gr.Markdown(elem_id="status")
            with gr.Tabs() as tabs:
                with gr.Tab("모의 면접", id="interview"):
                    with gr.Row():
                        topic = gr.Dropdown(topics, value=ALL_TOPICS, label="주제", scale=3)
                        difficulty = gr.Dropdown(DIFFICULTIES, value=DIFFICULTIES[0], label="난이도", scale=2)
                        depth = gr.Slider(0, 5, value=2, step=1, label="꼬리 질문 깊이", scale=2)
                        review = gr.Checkbox(label="복습 모드", value=False, scale=1)
                        start = gr.Button("새 면접 시작", variant="secondary", scale=2, elem_id="start")
                    chat = gr.Chatbot(elem_id="chat", height=560, label="면접",
                                      buttons=["copy"], feedback_options=None)
                    box = gr.Textbox(lines=4, max_lines=12, show_label=False, elem_id="answer",
                                     placeholder="답변을 쓰고 '답변 제출', 노트에 궁금한 점은 '노트에 질문'. "
                                                 "Shift+Enter는 어느 쪽인지 알아서 판단합니다 (Enter는 줄바꿈).")
                    with gr.Row():
                        send = gr.Button("답변 제출", variant="primary", scale=2, elem_id="send")
                        ask = gr.Button("노트에 질문", variant="secondary", scale=2, elem_id="ask")
                        hint = gr.Button("힌트", scale=1, elem_id="hint")
                        skip = gr.Button("건너뛰기", scale=1, elem_id="skip")
                        finish = gr.Button("면접 끝내기", scale=1, elem_id="finish")
                    with gr.Group(visible=False, elem_id="labels") as label_group:
                        label_box = gr.CheckboxGroup(label="채점 확신이 낮습니다: 답변에서 말했다고 생각하는 포인트를 체크해 주세요",
                                                     choices=[], elem_id="label-box")
                        label_send = gr.Button("체크 저장", elem_id="label-send")
                with gr.Tab("기록·복습", id="history"):
                    refresh = gr.Button("새로고침", elem_id="refresh")
                    with gr.Row():
                        by_topic = gr.BarPlot(x="주제", y="평균 점수", y_lim=[0, 5], title="주제별 평균 점수",
                                              x_label_angle=-30, elem_id="by-topic")
                        over_time = gr.LinePlot(x="답변", y="최근 5개 평균", y_lim=[0, 5],
                                                title="점수 추이 (최근 5개 평균)", elem_id="over-time")
                    weakest = gr.Markdown(elem_id="weakest")
                    due = gr.Markdown(elem_id="due")
                    review_now = gr.Button("복습 시작", variant="primary", elem_id="review-now")
                    with gr.Row():
                        sessions = gr.Dropdown(label="세션", choices=[], scale=3, elem_id="sessions")
                        fmt = gr.Radio(["Markdown", "JSON"], value="Markdown", label="형식", scale=1)
                        export = gr.Button("내보내기", scale=1, elem_id="export")
                    exported = gr.File(label="내보낸 파일", interactive=False)
                with gr.Tab("내 노트", id="notes"):
                    gr.Markdown("직접 정리한 `.md` / `.txt` 노트(최대 1 MB)를 올리면 바로 색인되어, "
                                "'노트에 질문'에 이 노트로도 답합니다. 다른 사용자에게는 보이지 않습니다.")
                    # No `file_types`: Gradio would refuse other files with an English error;
                    # the handler refuses them with a Korean one instead.
                    upload = gr.File(label="노트 올리기 (.md / .txt)", type="filepath", elem_id="upload")
                    note_status = gr.Markdown(elem_id="note-status")
                    note_list = gr.Markdown(elem_id="note-list")
                    with gr.Row():
                        note_pick = gr.Dropdown(label="지울 노트", choices=[], scale=3)
                        remove = gr.Button("지우기", scale=1)

            history_out = [by_topic, over_time, weakest, due, sessions]
            notes_out = [note_list, note_pick]
            demo.load(self.on_load, [saved], [tutor, chat, saved, status, *history_out, *notes_out],
                      api_name="load")
            start.click(self.on_start, [tutor, saved, topic, difficulty, depth, review],
                        [tutor, chat, saved, status], api_name="start")
            # The chat's trash icon clears the view; the interview behind it must start over too,
            # or everything would come back on the next send.
            chat.clear(self.on_start, [tutor, saved, topic, difficulty, depth, review],
                       [tutor, chat, saved, status], api_name=False)
            send_out = [tutor, chat, box, saved, status, label_group, label_box]
            # Enter guesses ("auto"); the API's /send takes the intent as its third argument.
            intent = gr.Textbox("auto", visible=False)
            box.submit(self.on_send, [tutor, saved, box, intent], send_out, api_name="send", show_progress="hidden")
            send.click(self.on_answer, [tutor, saved, box], send_out, api_name="answer", show_progress="hidden")
            ask.click(self.on_ask, [tutor, saved, box], send_out, api_name="ask", show_progress="hidden")
            label_send.click(self.on_labels, [tutor, saved, label_box], [tutor, chat, label_group, label_box],
                             api_name="labels")
            hint.click(self.on_hint, [tutor, saved], [tutor, chat], api_name="hint")
            skip.click(self.on_skip, [tutor, saved], [tutor, chat, saved, status], api_name="skip")
            finish.click(self.on_finish, [tutor, saved], [tutor, chat], api_name="finish")
            refresh.click(self.on_history, [tutor, saved], [tutor, *history_out], api_name="history")
            tabs.select(self.on_history, [tutor, saved], [tutor, *history_out], api_name=False)
            review_now.click(self.on_review, [tutor, saved, depth], [tutor, chat, saved, status, tabs],
                             api_name="review")
            export.click(self.on_export, [tutor, saved, sessions, fmt], [tutor, exported], api_name="export")
            upload.upload(self.on_upload, [tutor, saved, upload], [tutor, note_status, *notes_out],
                          api_name="add_note")
            remove.click(self.on_remove, [tutor, saved, note_pick], [tutor, note_status, *notes_out],
                         api_name="remove_note")
        demo.queue(default_concurrency_limit=8, max_size=256)
        return demo


def launch(app: TutorApp, host: str, port: int, auth=None) -> gr.Blocks:
    """Start serving in the background; the caller blocks (`demo.block_thread()`) or closes."""
    from starlette.middleware import Middleware

    from tutor.ui.auth import LoginThrottle

    demo = app.build()
    demo.launch(
        app_kwargs={"middleware": [Middleware(LoginThrottle)]},
        server_name=host, server_port=port, auth=auth, auth_message="면접 튜터 로그인",
        share=False, inbrowser=False, show_error=False, quiet=True, ssr_mode=False,
        max_file_size=MAX_NOTE_BYTES * 5, prevent_thread_lock=True, footer_links=[],
        theme=gr.themes.Soft(font=KOREAN_FONTS), css=CSS,
    )
    return demo
