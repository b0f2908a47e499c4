"""Feature extractors by name: the networks metrics compare samples in.

Each entry is a lazy ``"module:attr"`` target, so naming an extractor in a suite imports
no network code until a cell needs features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchbench.registry import Registry

if TYPE_CHECKING:
    from benchbench.extractors.base import FeatureExtractor

EXTRACTORS: Registry[type[FeatureExtractor]] = Registry(
    "feature extractor",
    base="benchbench.extractors.base:FeatureExtractor",
    entry_point_group="benchbench.extractors",
)
_REAL = "benchbench.extractors.real"
_REAL_AUDIO = "benchbench.extractors.real_audio"
_REAL_VIDEO = "benchbench.extractors.real_video"
# By the output kind each embeds, declared so that a suite's check of its extractor against
# its reference data imports no network code (tests/test_catalogue.py holds them true).
_BY_KIND = {
    "image": {
        "digits-cnn": "benchbench.extractors.digits_cnn:DigitsCNNExtractor",
        "inception-v3-compat": f"{_REAL}:InceptionV3",
        "clip-vit-b-32": f"{_REAL}:CLIPViTB32",
        "clip-vit-b-16": f"{_REAL}:CLIPViTB16",
        "clip-vit-l-14": f"{_REAL}:CLIPViTL14",
        "clip-vit-l-14-336px": f"{_REAL}:CLIPViTL14336",
        "dinov2-vit-s-14": f"{_REAL}:DINOv2ViTS14",
        "dinov2-vit-b-14": f"{_REAL}:DINOv2ViTB14",
        "dinov2-vit-l-14": f"{_REAL}:DINOv2ViTL14",
        "dinov2-vit-g-14": f"{_REAL}:DINOv2ViTG14",
    },
    "audio": {
        "spoken-digits-cnn": "benchbench.extractors.spoken_digits_cnn:SpokenDigitsCNNExtractor",
        "vggish": f"{_REAL_AUDIO}:VGGishExtractor",
        "panns-cnn14": f"{_REAL_AUDIO}:PANNsCNN14",
    },
    "video": {
        "moving-digits-cnn": "benchbench.extractors.moving_digits_cnn:MovingDigitsCNNExtractor",
        "i3d-kinetics400": f"{_REAL_VIDEO}:I3DKinetics400",
        "videomae-v2": f"{_REAL_VIDEO}:VideoMAEv2ViTS",
    },
}
for _output, _targets in _BY_KIND.items():
    for _name, _target in _targets.items():
        EXTRACTORS.register(_name, _target, embeds=_output)
