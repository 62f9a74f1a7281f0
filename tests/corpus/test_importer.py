import re
from pathlib import Path

import pytest

from tutor.corpus.importer import clean_note, load_manifest
from tutor.corpus.notes import load_notes
from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "corpus"


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_manifest_names_every_note_and_its_origin():
    specs = load_manifest(CORPUS / "manifest.json")
    files = sorted(p.name for p in (CORPUS / "notes").iterdir())
    assert sorted(s.file for s in specs) == files
    assert all(s.title and s.origin for s in specs)


@pytest.mark.parametrize("marker", ["728x90", "반응형", "카테고리의 다른 글", "Copyright", "본문 바로가기", "분류 전체보기", "블로그의 정보", "2023. 8. 23.", "진로 고민"])
def test_blog_boilerplate_is_gone(marker):
    for path in (CORPUS / "notes").iterdir():
        assert marker not in path.read_text(encoding="utf-8"), f"{marker!r} left in {path.name}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds are not beside this checkout")
def test_notes_are_exactly_what_the_importer_makes_from_the_seeds():
    for spec in load_manifest(CORPUS / "manifest.json"):
        raw = (SEEDS / spec.seed).read_text(encoding="utf-8")
        assert clean_note(raw, spec) == (CORPUS / "notes" / spec.file).read_text(encoding="utf-8")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds are not beside this checkout")
def test_every_note_line_is_verbatim_seed_text():
    """Cleaning may drop and re-break lines, never reword: each line is in its seed."""
    for spec in load_manifest(CORPUS / "manifest.json"):
        seed = collapse((SEEDS / spec.seed).read_text(encoding="utf-8"))
        for line in (CORPUS / "notes" / spec.file).read_text(encoding="utf-8").splitlines():
            line = line[3:] if line.startswith("## ") else line
            assert collapse(line) in seed, (spec.file, line[:60])


def test_index_pages_are_split_into_their_posts():
    qa = (CORPUS / "notes" / "dl-interview-qa-posts.md").read_text(encoding="utf-8")
    posts = [line for line in qa.splitlines() if line.startswith("## ")]
    assert len(posts) == 6
    assert "## 1x1 convolution은 언제 사용되며 의미와 효과?" in posts
    layers = (CORPUS / "notes" / "dl-layer-types-posts.md").read_text(encoding="utf-8")
    assert sum(line.startswith("## ") for line in layers.splitlines()) == 7


def test_empty_note_is_skipped_with_a_warning(tmp_path, caplog):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "empty.md").write_text("  \n\n", encoding="utf-8")
    (notes / "mine.md").write_text("드롭아웃은 학습 중에만 뉴런을 끈다.", encoding="utf-8")
    loaded = load_notes(tmp_path)
    assert [n.source for n in loaded] == ["mine.md"]
    assert "빈 노트 파일" in caplog.text


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    from tutor.errors import CorpusError

    with pytest.raises(CorpusError, match="노트 폴더를 찾을 수 없습니다"):
        load_notes(tmp_path / "nowhere")
    (tmp_path / "notes").mkdir()
    with pytest.raises(CorpusError, match="읽을 수 있는 노트가 없습니다"):
        load_notes(tmp_path)


def test_binary_note_is_refused(tmp_path):
    from tutor.errors import CorpusError

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "bad.txt").write_bytes(b"\x89PNG\x00\x01\x02")
    with pytest.raises(CorpusError, match="UTF-8"):
        load_notes(tmp_path)


def test_default_settings_find_the_shipped_corpus():
    assert Settings().notes_dir == CORPUS / "notes"
