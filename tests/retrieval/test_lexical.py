from tutor.retrieval.lexical import BM25Index, bigram_tokens, expand_query, morpheme_tokens


def test_bigrams_keep_english_words_and_split_korean():
    assert bigram_tokens("배치정규화 BN") == ["배치", "치정", "정규", "규화", "bn"]
    assert bigram_tokens("ReLU는 좋다") == ["relu", "는", "좋다"]


def test_morphemes_keep_content_words():
    tokens = morpheme_tokens("드롭아웃은 과적합을 막는다")
    assert "과적합" in tokens and "막" in tokens


def test_glossary_adds_the_other_spellings():
    glossary = [("드롭아웃", "dropout"), ("추론", "예측", "inference")]
    expanded = expand_query("추론할 때 dropout 켜요?", glossary)
    assert "드롭아웃" in expanded and "예측" in expanded and "inference" in expanded


def test_bm25_ranks_the_matching_text_first_and_ignores_unknown_words():
    index = BM25Index(["드롭아웃은 뉴런을 끈다", "배치 정규화는 분포를 맞춘다", "경사하강법"])
    scores = index.scores("배치 정규화가 뭐예요")
    assert scores.argmax() == 1
    assert not index.scores("쿠버네티스").any()


def test_term_coverage_weights_rare_terms():
    index = BM25Index(["배치 정규화 효과", "배치 크기", "배치 학습"])
    assert index.term_coverage("배치 정규화", "배치 정규화 효과") == 1.0
    # "정규화" is rare here, "배치" everywhere: missing the rare term costs more.
    assert index.term_coverage("배치 정규화", "배치 크기") < 0.5
