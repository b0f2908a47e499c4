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
EXTRACTORS.register("digits-cnn", "benchbench.extractors.digits_cnn:DigitsCNNExtractor")
EXTRACTORS.register(
    "spoken-digits-cnn", "benchbench.extractors.spoken_digits_cnn:SpokenDigitsCNNExtractor"
)
_REAL = "benchbench.extractors.real"
EXTRACTORS.register("inception-v3-compat", f"{_REAL}:InceptionV3")
EXTRACTORS.register("clip-vit-b-32", f"{_REAL}:CLIPViTB32")
EXTRACTORS.register("clip-vit-b-16", f"{_REAL}:CLIPViTB16")
EXTRACTORS.register("clip-vit-l-14", f"{_REAL}:CLIPViTL14")
EXTRACTORS.register("clip-vit-l-14-336px", f"{_REAL}:CLIPViTL14336")
EXTRACTORS.register("dinov2-vit-s-14", f"{_REAL}:DINOv2ViTS14")
EXTRACTORS.register("dinov2-vit-b-14", f"{_REAL}:DINOv2ViTB14")
EXTRACTORS.register("dinov2-vit-l-14", f"{_REAL}:DINOv2ViTL14")
EXTRACTORS.register("dinov2-vit-g-14", f"{_REAL}:DINOv2ViTG14")
EXTRACTORS.register("vggish", "benchbench.extractors.real_audio:VGGishExtractor")
EXTRACTORS.register("panns-cnn14", "benchbench.extractors.real_audio:PANNsCNN14")
EXTRACTORS.register("i3d-kinetics400", "benchbench.extractors.real_video:I3DKinetics400")
EXTRACTORS.register("videomae-v2", "benchbench.extractors.real_video:VideoMAEv2ViTS")
