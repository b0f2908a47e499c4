"""The study file: which run and cells raters judge, how, and how raters are checked.

Validated like a suite (frozen pydantic, unknown fields rejected) and reported the same
way: every problem names the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from benchbench.hashing import stable_hash
from benchbench.store.human import TIE, Answer
from benchbench.suite.problems import Problem, pydantic_problems
from benchbench.suite.schema import BootstrapSettings, Loc, StrictModel
from benchbench.suite.yamlsource import YamlSource, YamlSyntaxError, load_yaml

NAME_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
DEFAULT_SCALE = {1: "Bad", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"}


class CellSelector(StrictModel):
    model: str = Field(min_length=1, description="model name as in the suite")
    params: dict[str, Any] = Field(
        default_factory=dict, description="suite params the cell must have (all if empty)"
    )


class Question(StrictModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="short key stored with votes")
    text: str = Field(min_length=1, max_length=500, description="what raters are asked")


class Attention(StrictModel):
    repeats: int = Field(1, ge=0, description="tasks shown twice to each rater (sides swapped)")
    planted: int = Field(1, ge=0, description="obviously bad planted samples per rater")
    min_pass_rate: float = Field(
        0.75, ge=0, le=1, description="raters passing fewer of their checks are excluded"
    )
    planted_max_rating: int = Field(
        2, ge=1, description="rating studies: a planted sample rated above this fails"
    )
    repeat_tolerance: int = Field(
        1, ge=0, description="rating studies: a repeat differing by more than this fails"
    )


class Study(StrictModel):
    name: str = Field(pattern=NAME_PATTERN, description="names the study in the store")
    description: str = ""
    suite: str | None = Field(None, description="judge the latest run of this suite")
    run: str | None = Field(None, description="or this run id")
    cells: list[CellSelector] | None = Field(
        None, description="cells to compare (default: every complete cell with samples)"
    )
    task: Literal["ab", "rating"] = Field(description="ab: pick the better of two; rating")
    ties: bool = Field(
        True, description="ab: offer 'no preference' (counted as half a win for each side)"
    )
    questions: list[Question] = Field(min_length=1, max_length=5)
    scale: dict[int, str] | None = Field(
        None, description="rating: labelled anchors, keys 1..N (default 1 Bad .. 5 Excellent)"
    )
    samples_per_cell: int = Field(16, ge=1, le=10_000)
    tasks_per_rater: int = Field(20, ge=1, le=1000)
    max_raters: int = Field(
        200, ge=1, le=100_000, description="raters the join link admits; later joins are refused"
    )
    attention: Attention = Attention()
    seed: int = 0
    bootstrap: BootstrapSettings = BootstrapSettings(resamples=1000)

    @model_validator(mode="after")
    def _defaults(self) -> Study:
        if self.task == "rating" and self.scale is None:
            object.__setattr__(self, "scale", dict(DEFAULT_SCALE))
        return self

    @property
    def levels(self) -> list[int]:
        return sorted(self.scale or {})

    @property
    def spec_hash(self) -> str:
        """Identifies the definition; defaults are included, so a study stored before a
        field was added hashes the same once re-read through this model."""
        return stable_hash(self.model_dump(mode="json"))


class AnswerError(ValueError):
    """An answer outside the set its question allows."""


def parse_answer(study: Study, question: str, value: str | None, sides: dict[str, str]) -> Answer:
    """One question's answer, by the one rule web votes and CSV imports share.

    An A/B answer is a key of ``sides`` (the web form's ``left``/``right``, or a CSV's
    item ids; each maps to its item) or ``tie`` where the study allows ties. A rating is
    a level of the scale written exactly as ASCII digits: ``str.isdigit`` accepts "⁵"
    (which ``int`` refuses) and ``int`` accepts "٣", " 3" and "03", so neither is the test.
    """
    if study.task == "ab":
        choices = {**sides, **({TIE: TIE} if study.ties else {})}
        return Answer(question, choice=choices[_one_of(question, value, choices)])
    levels = {str(level): level for level in study.levels}
    return Answer(question, rating=levels[_one_of(question, value, levels)])


def _one_of(question: str, value: str | None, allowed: dict[str, Any]) -> str:
    if value is None:
        raise AnswerError(f"question {question!r} is not answered")
    if value not in allowed:
        raise AnswerError(
            f"question {question!r}: {value[:40]!r} is not one of {', '.join(allowed)}"
        )
    return value


class StudyError(ValueError):
    """Everything wrong with a study file (or its run and cells), one problem per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid study:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class LoadedStudy:
    study: Study
    source: YamlSource

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.source.path, self.source.line_of(loc), loc, message)


def load_study(path: str | Path) -> LoadedStudy:
    """Read and validate a study file, or raise ``StudyError`` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise StudyError([Problem(path, None, (), "study file not found")])
    try:
        source = load_yaml(path)
    except YamlSyntaxError as exc:
        raise StudyError([Problem(path, exc.line, (), exc.message)]) from exc
    if not isinstance(source.data, dict):
        raise StudyError([Problem(path, 1, (), "a study must be a YAML mapping (name: ...)")])
    try:
        study = Study.model_validate(source.data)
    except ValidationError as exc:
        raise StudyError(pydantic_problems(exc, source, Study)) from None
    loaded = LoadedStudy(study, source)
    problems = _semantic_problems(loaded)
    if problems:
        raise StudyError(problems)
    return loaded


def _semantic_problems(loaded: LoadedStudy) -> list[Problem]:
    study = loaded.study
    problems = []
    if (study.suite is None) == (study.run is None):
        problems.append(loaded.problem((), "give exactly one of `suite` (its latest run) or `run`"))
    if study.task == "ab" and study.scale is not None:
        problems.append(loaded.problem(("scale",), "a scale belongs to rating studies only"))
    if study.task == "rating" and "ties" in study.model_fields_set:
        problems.append(loaded.problem(("ties",), "ties belong to A/B studies only"))
    if study.task == "rating":
        levels = study.levels
        if levels != list(range(1, len(levels) + 1)) or not 2 <= len(levels) <= 10:
            problems.append(
                loaded.problem(("scale",), f"keys must be 1..N with 2 <= N <= 10 (got {levels})")
            )
        elif study.attention.planted_max_rating >= len(levels):
            problems.append(
                loaded.problem(
                    ("attention", "planted_max_rating"),
                    f"must be below the top of the scale ({len(levels)})",
                )
            )
        for level, label in (study.scale or {}).items():
            if not label.strip() or len(label) > 100:
                problems.append(loaded.problem(("scale", level), "label must be 1-100 characters"))
    ids = [q.id for q in study.questions]
    for i, qid in enumerate(ids):
        if qid in ids[:i]:
            problems.append(loaded.problem(("questions", i, "id"), f"question id {qid!r} repeats"))
    return problems
