"""Prompt files for conditional generation: what each sample is asked to show.

Two formats, chosen by the file's suffix:

- ``.txt``: one prompt per line; blank lines and lines starting with ``#`` are skipped.
  The class of a digit prompt is read from its words ("a handwritten seven", "digit 7").
- ``.jsonl``: one JSON object per line with ``prompt`` (string) and/or ``label``
  (integer class); a prompt without a label gets one from its words, as above.

Every mistake is reported with the file and line, and all of them at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORD = re.compile(r"[a-z]+|\d")


@dataclass(frozen=True)
class Prompt:
    text: str
    label: int | None  # the class a classifier should read from the sample, if any
    line: int


class PromptFileError(ValueError):
    """A prompt file with mistakes; the message lists each as ``file:line: problem``."""


def digit_label(text: str) -> int | None:
    """The one digit a prompt names, by word or numeral; None if it names none or several."""
    found = {
        DIGIT_WORDS.index(word) if word in DIGIT_WORDS else int(word)
        for word in _WORD.findall(text.lower())
        if word in DIGIT_WORDS or word.isdigit()
    }
    return found.pop() if len(found) == 1 else None


def _parse_jsonl(line: str) -> tuple[str, int | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not ({"prompt", "label"} & record.keys()):
        raise ValueError('expected an object with "prompt" and/or "label"')
    unknown = sorted(record.keys() - {"prompt", "label"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")
    text, label = record.get("prompt", ""), record.get("label")
    if not isinstance(text, str):
        raise ValueError('"prompt" must be a string')
    if label is not None and (isinstance(label, bool) or not isinstance(label, int)):
        raise ValueError(f'"label" must be an integer class, got {label!r}')
    return text, label if label is not None else digit_label(text)


def load_prompts(path: str | Path, num_classes: int | None = 10) -> list[Prompt]:
    """The prompts of ``path``; with ``num_classes``, every prompt must name a class in
    ``0..num_classes-1`` (a conditional-accuracy suite needs one)."""
    path = Path(path)
    if not path.is_file():
        raise PromptFileError(f"{path}: prompt file not found")
    jsonl = path.suffix == ".jsonl"
    prompts: list[Prompt] = []
    problems: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            text, label = _parse_jsonl(line) if jsonl else (line, digit_label(line))
            if num_classes is not None and label is None:
                raise ValueError(f"names no class: say one digit (e.g. 'seven' or '7') in {text!r}")
            if num_classes is not None and not 0 <= label < num_classes:
                raise ValueError(f"label {label} is outside 0..{num_classes - 1}")
        except ValueError as exc:
            problems.append(f"{path}:{number}: {exc}")
            continue
        prompts.append(Prompt(text, label, number))
    if not prompts and not problems:
        problems.append(f"{path}: no prompts (every line is blank or a comment)")
    if problems:
        raise PromptFileError("invalid prompt file:\n  " + "\n  ".join(problems))
    return prompts


def prompts_for(prompts: list[Prompt], start: int, count: int) -> list[Prompt]:
    """The prompts of samples ``start .. start+count-1`` when samples cycle through them
    (sample i follows prompt i mod len(prompts)), so every batch is reproducible."""
    return [prompts[(start + i) % len(prompts)] for i in range(count)]
