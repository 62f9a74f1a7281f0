"""End to end in headless Chromium (Debian `chromium`, driven by playwright): answer, read the
feedback and citations, take a follow-up, reload, find the history. Screenshots are saved under
$ARTIFACTS_DIR (default .artifacts/) for a person to look at."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / ".artifacts")) / "browser"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian chromium (see .ci/run)")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def chat_text(page) -> str:
    return page.inner_text("#chat")


def wait_for_chat(page, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function("t => (document.querySelector('#chat')?.innerText || '').includes(t)", arg=text,
                           timeout=timeout)


def test_interview_in_a_real_browser(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 1200}, locale="ko-KR")
    page = context.new_page()
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
    page.goto(server.url)
    wait_for_chat(page, "질문 1")
    page.fill("#answer textarea", "잘 모르겠지만 학습이 잘 되게 하는 기법 같습니다.")
    submitted = time.perf_counter()
    page.click("#send")
    wait_for_chat(page, "점수:")
    first_feedback = time.perf_counter() - submitted
    text = chat_text(page)
    for part in ("빠진 점", "모범 답안", "근거: 노트 인용", "꼬리 질문"):
        assert part in text
    # the citations are collapsed; opening them shows a verbatim quote with file and heading
    summary = page.locator("#chat summary").last
    summary.click()
    cited = page.locator("#chat details").last.inner_text()
    assert ".md · " in cited
    page.screenshot(path=str(ARTIFACTS / "1-feedback.png"), full_page=True)

    # the follow-up question is answered in the same chat
    page.fill("#answer textarea", "역전파 때 미분값이 계속 곱해지기 때문입니다.")
    page.keyboard.press("Shift+Enter")  # Enter is a new line in a multi-line box
    page.wait_for_function("() => (document.querySelector('#chat')?.innerText || '').split('점수:').length > 2",
                           timeout=30_000)
    page.click("#hint")
    wait_for_chat(page, "힌트 1/3")

    # reload: the same interview comes back, and the history tab has it
    page.reload()
    wait_for_chat(page, "이전 면접을 이어서")
    assert "잘 모르겠지만 학습이 잘 되게 하는 기법 같습니다." in chat_text(page)
    page.get_by_role("tab", name="기록·복습").click()
    page.wait_for_function("() => (document.querySelector('#weakest')?.innerText || '').includes('약한 주제')",
                           timeout=30_000)
    page.wait_for_selector("#by-topic canvas, #by-topic svg", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "2-history.png"), full_page=True)

    # a second browser (its own localStorage) sees neither the interview nor the history
    other = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    other.goto(server.url)
    other.wait_for_function("() => (document.querySelector('#chat')?.innerText || '').includes('질문 1')", timeout=30_000)
    assert "잘 모르겠지만" not in other.inner_text("#chat")
    other.get_by_role("tab", name="기록·복습").click()
    other.wait_for_function("() => (document.querySelector('#weakest')?.innerText || '').length > 0", timeout=30_000)
    assert "약한 주제" not in other.inner_text("#weakest")
    other.context.close()
    context.close()

    assert hosts == {"127.0.0.1"}, f"the page contacted {hosts}"
    (ARTIFACTS / "timings.txt").write_text(f"first feedback after submit: {first_feedback:.2f} s\n")


def test_ask_the_notes_and_submit_a_hesitant_answer_in_a_real_browser(server, browser):
    context = browser.new_context(viewport={"width": 1200, "height": 1200}, locale="ko-KR")
    page = context.new_page()
    page.goto(server.url)
    wait_for_chat(page, "질문 1")
    # "노트에 질문": a composed answer of the notes' sentences, each group with file · heading
    page.fill("#answer textarea", "ROC 커브가 뭐예요?")
    page.click("#ask")
    wait_for_chat(page, "노트에서 찾은 내용입니다")
    text = chat_text(page)
    assert "ROC" in text and ".md · " in text and "노트에 없는 내용" not in text
    # "답변 제출": a hesitant answer ending in "?" is graded, not taken for a question
    page.fill("#answer textarea", "잘은 모르지만 과적합을 막으려고 쓰는 거 아닌가요?")
    page.click("#send")
    wait_for_chat(page, "점수:")
    assert page.input_value("#answer textarea") == ""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "3-ask-the-notes.png"), full_page=True)
    # a reload brings the question to the notes and its answer back
    page.reload()
    wait_for_chat(page, "이전 면접을 이어서")
    text = chat_text(page)
    assert "ROC 커브가 뭐예요?" in text and "노트에서 찾은 내용입니다" in text
    assert "잘은 모르지만 과적합을 막으려고" in text
    context.close()
