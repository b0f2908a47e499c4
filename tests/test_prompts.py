"""Prompt files: both formats, classes read from words, every bad line named with its number."""

from __future__ import annotations

import pytest

from benchbench.suite.prompts import PromptFileError, digit_label, load_prompts, prompts_for


@pytest.mark.parametrize(
    "text,label",
    [
        ("a handwritten seven", 7),
        ("Digit 3", 3),
        ("zero", 0),
        ("a seven, written like a 7", 7),
        ("a seven or a one", None),
        ("a handwritten digit", None),
        ("someone", None),  # "one" inside a word is not a digit
    ],
)
def test_digit_label_reads_one_digit_by_word_or_numeral(text, label):
    assert digit_label(text) == label


def test_text_file_skips_blanks_and_comments(tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("# digits\na handwritten seven\n\n  the digit 2  \n")
    prompts = load_prompts(path)
    assert [(p.text, p.label, p.line) for p in prompts] == [
        ("a handwritten seven", 7, 2),
        ("the digit 2", 2, 4),
    ]


def test_jsonl_labels_override_words_and_fill_in_missing_ones(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text('{"prompt": "a seven", "label": 1}\n{"prompt": "a four"}\n{"label": 9}\n')
    assert [(p.text, p.label) for p in load_prompts(path)] == [
        ("a seven", 1),
        ("a four", 4),
        ("", 9),
    ]


def test_every_bad_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"prompt": "a seven"}\n'
        "{not json\n"
        '{"prompt": "a cat"}\n'
        '{"label": 12}\n'
        '{"prompt": "a one", "labl": 1}\n'
        '{"prompt": 3}\n'
        '{"label": true}\n'
    )
    with pytest.raises(PromptFileError) as info:
        load_prompts(path)
    message = str(info.value)
    for line, problem in [
        (2, "not valid JSON"),
        (3, "names no class"),
        (4, "label 12 is outside 0..9"),
        (5, "unknown field(s) 'labl'"),
        (6, '"prompt" must be a string'),
        (7, '"label" must be an integer class'),
    ]:
        assert f"bad.jsonl:{line}: {problem}" in message
    assert "bad.jsonl:1:" not in message


def test_missing_and_empty_files_are_errors(tmp_path):
    with pytest.raises(PromptFileError, match="prompt file not found"):
        load_prompts(tmp_path / "none.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    with pytest.raises(PromptFileError, match="no prompts"):
        load_prompts(tmp_path / "empty.txt")


def test_unlabelled_prompts_are_allowed_without_classes(tmp_path):
    path = tmp_path / "free.txt"
    path.write_text("a cat\n")
    assert load_prompts(path, num_classes=None)[0].label is None


def test_samples_cycle_through_the_prompts(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("one\ntwo\nthree\n")
    prompts = load_prompts(path)
    assert [p.label for p in prompts_for(prompts, 0, 4)] == [1, 2, 3, 1]
    assert [p.label for p in prompts_for(prompts, 4, 3)] == [2, 3, 1]
