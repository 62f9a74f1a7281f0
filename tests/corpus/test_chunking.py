import statistics
from pathlib import Path

from tutor.corpus.chunking import MAX_CHARS, MIN_CHARS, chunk_note, chunk_notes
from tutor.corpus.notes import Note, load_notes

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def corpus_chunks():
    notes = load_notes(CORPUS)
    return notes, chunk_notes(notes)


def test_chunks_are_verbatim_slices_of_their_note():
    notes, chunks = corpus_chunks()
    by_source = {n.source: n for n in notes}
    for c in chunks:
        assert by_source[c.source].text[c.start : c.end] == c.text


def test_chunk_sizes_stay_near_one_idea():
    _, chunks = corpus_chunks()
    sizes = [len(c.text) for c in chunks]
    inside = sum(MIN_CHARS <= s <= MAX_CHARS for s in sizes)
    assert inside / len(sizes) >= 0.95
    assert max(sizes) <= MAX_CHARS + MIN_CHARS
    assert MIN_CHARS <= statistics.median(sizes) <= MAX_CHARS


def test_ids_are_unique_and_stable_content_hashes():
    _, first = corpus_chunks()
    _, second = corpus_chunks()
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_an_edit_elsewhere_keeps_the_ids_of_untouched_chunks():
    notes, chunks = corpus_chunks()
    note = notes[0]
    edited = Note(note.source, note.title, note.origin, note.text + "\n추가된 문단입니다. " * 20)
    before = {c.id for c in chunks if c.source == note.source}
    after = {c.id for c in chunk_note(edited)}
    assert len(before - after) <= 1  # only the last chunk may absorb the new paragraph


def test_heading_paths_follow_the_notes_outline():
    _, chunks = corpus_chunks()
    ics = next(c for c in chunks if "Internal Covariate Shift 문제\n" in c.text + "\n")
    assert "11) Batch Normalization (배치정규화)" in ics.heading_path
    assert ics.heading_path[:2] == ("Part III. 기본 인공지능", "3. 딥러닝")
    dropout = next(c for c in chunks if "드롭아웃 비율" in c.text)
    assert dropout.heading_path[-2:] == ("Critical Issue 2: Overfitting", "해결책 1: 드롭아웃 규제")
    post = next(c for c in chunks if "1x1 convolutionn은" in c.text)
    assert post.heading_path == ("1x1 convolution은 언제 사용되며 의미와 효과?",)


def test_mixed_outline_styles_nest_by_first_appearance():
    text = "\n".join([
        "1. 딥러닝",
        "1) 활성 함수",
        "① Sigmoid",
        "· 출력값의 범위: 0~1 " + "가" * 160,
        "② ReLU",
        "· 기울기 소실 문제를 어느정도 해결한 활성함수 " + "나" * 160,
        "2) 손실 함수",
        "· 예측값과 실제 데이터의 차이를 계산하는 함수 " + "다" * 160,
    ])
    chunks = chunk_note(Note("t.md", "t", "test", text))
    paths = [c.heading_path for c in chunks]
    assert ("1. 딥러닝", "1) 활성 함수", "① Sigmoid") in paths
    assert ("1. 딥러닝", "1) 활성 함수", "② ReLU") in paths
    assert ("1. 딥러닝", "2) 손실 함수") in paths


def test_a_single_huge_line_is_cut_at_sentence_ends():
    sentence = "배치 정규화는 각 층의 입력 분포를 정규화하여 학습을 안정시킨다. "
    text = sentence * 100
    chunks = chunk_note(Note("big.md", "big", "test", text.strip()))
    assert len(chunks) > 3
    assert all(len(c.text) <= MAX_CHARS + MIN_CHARS for c in chunks)
    assert all(c.text.endswith("다.") for c in chunks)


def test_a_citation_is_labelled_with_the_heading_right_above_the_quote():
    from tutor.corpus.chunking import heading_above

    note = Note("n.md", "노트", "test", "## 옵티마이저\n\n① 방향을 개선한 방법\nMomentum은 관성을 이용한다.\n\n"
                "② 학습률을 개선한 방법\nAdagrad는 학습률을 파라미터마다 조절한다.\n")
    [chunk] = chunk_notes([note])  # small sections are merged into one chunk
    assert heading_above(chunk, "Momentum은 관성을 이용한다.") == "① 방향을 개선한 방법"
    assert heading_above(chunk, "Adagrad는 학습률을 파라미터마다 조절한다.") == "② 학습률을 개선한 방법"
    assert heading_above(chunk, "② 학습률을 개선한 방법") == "옵티마이저"  # a heading quoted: the one it sits under
