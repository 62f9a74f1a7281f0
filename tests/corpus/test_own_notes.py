import pytest

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.own_notes import (
    MAX_NOTE_BYTES, knowledge_base, list_notes, load_own_notes, note_name, read_note_file, remove_note, save_note,
    user_dir,
)
from tutor.errors import InvalidInputError
from tutor.settings import get_settings

NOTE = "# 스파이킹 신경망\n\nSNN은 뉴런이 스파이크 신호로 정보를 전달하는 신경망이다. 뉴로모픽 칩에서 저전력으로 동작한다.\n"


def test_a_note_is_saved_listed_chunked_and_owned(tmp_path):
    note = save_note(tmp_path, "민지", "snn.md", NOTE.encode())
    assert (note.title, note.owner, note.origin) == ("스파이킹 신경망", "민지", "사용자 노트")
    assert [p.name for p in list_notes(tmp_path, "민지")] == ["snn.md"]
    assert list_notes(tmp_path, "다른사람") == []
    chunks = chunk_notes([note])
    assert chunks and all(c.owner == "민지" and c.source == "snn.md" for c in chunks)
    # the same file added by two users gives two sets of chunks, not one shared set
    other = chunk_notes([save_note(tmp_path, "지훈", "snn.md", NOTE.encode())])
    assert {c.id for c in chunks}.isdisjoint(c.id for c in other)
    assert remove_note(tmp_path, "민지", "snn.md") and not remove_note(tmp_path, "민지", "snn.md")


@pytest.mark.parametrize("name, data, words", [
    ("photo.png", NOTE.encode(), ".md 또는 .txt"),
    ("../../etc/passwd.md", b"\x00\x01", "UTF-8"),
    ("cp949.txt", ("배치 정규화는 학습을 안정시키는 기법이다. " * 3).encode("cp949"), "UTF-8"),
    ("short.md", "짧음".encode(), "20자 이상"),
    ("big.md", b"a" * (MAX_NOTE_BYTES + 1), "너무 큽니다"),
    (".hidden.md", NOTE.encode(), "쓸 수 없습니다"),
])
def test_bad_notes_are_refused_with_a_reason(tmp_path, name, data, words):
    with pytest.raises(InvalidInputError, match=words):
        save_note(tmp_path, "u", name, data)
    assert not any(tmp_path.rglob("*.md"))


def test_file_names_cannot_escape_the_users_folder(tmp_path):
    assert note_name("../../x/evil.md") == "evil.md"
    assert note_name("C:\\Users\\me\\notes.txt") == "notes.txt"
    save_note(tmp_path, "../../root", "a.md", NOTE.encode())
    assert all(p.resolve().is_relative_to(tmp_path.resolve()) for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("user", ["..", ".", "...", ".hidden"])
def test_a_user_made_of_dots_gets_a_folder_of_its_own(tmp_path, user):
    """Defect 6: TUTOR_USER=.. made `tutor notes --remove history.sqlite3` delete everyone's history."""
    root = tmp_path / "user_notes"
    (tmp_path / "history.sqlite3").write_text("모두의 기록")
    folder = user_dir(root, user)
    assert folder.parent == root and not folder.name.startswith(".")
    assert not remove_note(root, user, "history.sqlite3")
    assert (tmp_path / "history.sqlite3").exists()
    save_note(root, user, "a.md", NOTE.encode())
    assert [n.owner for n in load_own_notes(root)] == [user]


def test_non_regular_files_are_refused_before_reading(tmp_path):
    """Defect 6: a link to /dev/zero ran into MemoryError and a FIFO hung (st_size is 0 for both)."""
    import os

    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    for path in (link, fifo):
        with pytest.raises(InvalidInputError, match="일반 파일이 아닙니다"):
            read_note_file(path)


def test_shipped_note_names_are_reserved(tmp_path):
    with pytest.raises(InvalidInputError, match="기본 노트와 같은 이름"):
        save_note(tmp_path, "u", "cnn.md", NOTE.encode(), reserved={"cnn.md"})


def test_a_broken_file_on_disk_is_skipped_not_fatal(tmp_path):
    save_note(tmp_path, "u", "good.md", NOTE.encode())
    (tmp_path / "u" / "bad.md").write_bytes(b"\x00\xff")
    assert [n.source for n in load_own_notes(tmp_path)] == ["good.md"]


def test_the_knowledge_base_is_the_shipped_notes_plus_everyones_own():
    settings = get_settings()
    shipped = knowledge_base(settings)
    save_note(settings.user_notes_dir, "u", "snn.md", NOTE.encode())
    both = knowledge_base(settings)
    assert len(both) == len(shipped) + 1 and both[-1].owner == "u"
    assert all(n.owner == "" for n in shipped)
