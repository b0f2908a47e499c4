"""The text encoder of BERTScore and MAUVE: a real one when its weights are on disk,
the embedded ``prose-roberta-tiny`` otherwise — and the label always says which.

``roberta-large`` (BERTScore's default for English, layer 17) is used when the
Hugging Face cache holds it; nothing is downloaded. The embedded encoder ships a
rescaling baseline (``BASELINE_FILE``, bert-score's format, made by its recipe from
random pairs of unrelated passages), and BERTScore is rescaled with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from benchbench.extractors.weights_files import MissingWeightsError

EMBEDDED = "prose-roberta-tiny"
BASELINE_FILE = "bertscore_baseline.csv"
LITERATURE = ("roberta-large", 17)  # bert-score's model2layers for roberta-large


@dataclass(frozen=True)
class TextEncoder:
    name: str
    model_type: str  # what bert-score and transformers load: a hub id in the cache, or a path
    num_layers: int
    sha256: str
    baseline: str | None = None  # bert-score rescaling baseline file (LAYER,P,R,F rows)

    @property
    def embedded(self) -> bool:
        return self.name == EMBEDDED

    def identity(self) -> dict[str, object]:
        return {"encoder": self.name, "layer": self.num_layers, "sha256": self.sha256[:16]}


@cache
def find_encoder() -> TextEncoder:
    from transformers import AutoConfig

    from benchbench.hashing import sha256_tree
    from benchbench.zoo import card, weights_path

    name, layers = LITERATURE
    try:
        config = AutoConfig.from_pretrained(name, local_files_only=True)
    except OSError:
        config = None
    if config is not None:
        return TextEncoder(name, name, layers, f"hf-cache:{config._commit_hash or 'unknown'}")
    path: Path = weights_path(EMBEDDED)
    if not path.is_dir():
        raise MissingWeightsError(
            f"no text encoder: {name} is not in the Hugging Face cache and the embedded "
            f"{EMBEDDED} is missing at {path}; run `bench zoo train {EMBEDDED}`"
        )
    baseline = path / BASELINE_FILE
    return TextEncoder(
        EMBEDDED,
        str(path),
        int(card(EMBEDDED)["bertscore_layer"]),
        sha256_tree(path),
        str(baseline) if baseline.is_file() else None,
    )
