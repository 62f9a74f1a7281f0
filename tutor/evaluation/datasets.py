"""Reading JSONL evaluation files with line-numbered, Korean error messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tutor import messages
from tutor.errors import InvalidInputError

Row = TypeVar("Row", bound=BaseModel)


def read_jsonl(path: Path, model: type[Row]) -> list[Row]:
    if not path.is_file():
        raise InvalidInputError(messages.DATASET_MISSING.format(path=path))
    rows: list[Row] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(model.model_validate(json.loads(line)))
            except (ValueError, ValidationError) as exc:
                reason = str(exc).splitlines()[0]
                raise InvalidInputError(
                    messages.DATASET_BAD_LINE.format(path=path, line=number, reason=reason)
                ) from exc
    if not rows:
        raise InvalidInputError(messages.DATASET_EMPTY.format(path=path))
    return rows
