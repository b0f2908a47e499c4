"""Real extractors and LPIPS: missing weights give a clear error; the loading code runs
on randomly initialised networks saved in each library's own format."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import torch
from torch import nn

from benchbench.extractors import EXTRACTORS
from benchbench.extractors.weights_files import MissingWeightsError
from benchbench.metrics.image.lpips_diversity import (
    BACKBONES,
    LPIPSDiversity,
    LPIPSEmbedding,
    mean_pairwise_sq_distance,
)

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "name", ["inception-v3-compat", "clip-vit-b-32", "dinov2-vit-s-14", "lpips-alex"]
)
def test_missing_weights_name_the_file_the_places_and_the_fetch_command(empty_caches, name):
    given = empty_caches / "given"
    with pytest.raises(MissingWeightsError) as error:
        if name == "lpips-alex":
            LPIPSEmbedding(CPU, weights_dir=given)
        else:
            EXTRACTORS.get(name)(CPU, weights_dir=given)
    message = str(error.value)
    assert f"bench weights fetch {name}" in message
    assert str(given) in message and str(empty_caches / "torch" / "hub") in message
    if name != "dinov2-vit-s-14":  # the hub repository is searched first for DINOv2
        assert str(empty_caches / "hf") in message


def random_inception_state_dict() -> dict[str, torch.Tensor]:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    with (
        mock.patch.object(FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None),
        mock.patch(
            "torch_fidelity.feature_extractor_inceptionv3.load_state_dict_from_url",
            return_value={},
        ),
    ):
        return FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).state_dict()


@pytest.mark.slow
def test_inception_loads_from_torch_home_and_gives_pool3_features_and_logits(empty_caches):
    checkpoints = empty_caches / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(
        random_inception_state_dict(), checkpoints / "weights-inception-2015-12-05-6726825d.pth"
    )
    extractor = EXTRACTORS.get("inception-v3-compat")(CPU)
    outputs = extractor.extract(torch.rand(3, 1, 16, 16))
    assert outputs["features"].shape == (3, 2048) and outputs["logits"].shape == (3, 1008)
    identity = extractor.identity()
    assert identity["input_size"] == 299 and len(identity["weights_sha256"]) == 64
    assert "tf1-bilinear" in identity["resize"]


class TinyCLIP(nn.Module):
    """The keys torch-fidelity's CLIP ``build_model`` reads, for a 1-layer ViT."""

    def __init__(self, width=64, patch=32, grid=7, embed=16):
        super().__init__()
        from torch_fidelity.feature_extractor_clip import VisionTransformer

        self.visual = VisionTransformer(patch * grid, patch, width, 1, width // 64, embed)
        self.text_projection = nn.Parameter(torch.zeros(8, embed))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.visual(x)


def test_clip_loads_a_torchscript_archive_and_feeds_cmmd(tmp_path):
    from benchbench.extractors.real import CLIPViTB32
    from benchbench.metrics.image.cmmd import CMMD

    file = CLIPViTB32.weights_files()[0]
    torch.jit.save(torch.jit.script(TinyCLIP()), tmp_path / file.name)
    extractor = EXTRACTORS.get("clip-vit-b-32")(CPU, weights_dir=tmp_path)
    features = extractor(torch.rand(4, 3, 20, 20))
    assert features.shape == (4, 16) and extractor.feature_dim == 16
    metric = CMMD(features=extractor.identity(), reference="r")
    metric.update(features, real=True)
    metric.update(extractor(torch.rand(4, 3, 20, 20)), real=False)
    assert metric.compute().label == "CMMD[clip-vit-b-32]"


HUBCONF = """
import torch
from torch import nn

class TinyViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 12, 14, stride=14)

    def forward(self, x):
        return self.patch(x).mean(dim=(2, 3))

def dinov2_vits14(pretrained=True):
    assert not pretrained, "benchbench loads the weights itself"
    return TinyViT()
"""


def test_dinov2_builds_from_the_local_hub_repository_and_its_weights(tmp_path):
    repo = tmp_path / "facebookresearch_dinov2_main"
    repo.mkdir()
    (repo / "hubconf.py").write_text(HUBCONF)
    namespace: dict = {}
    exec(HUBCONF, namespace)  # the same class, to save weights in its own format
    torch.save(namespace["TinyViT"]().state_dict(), tmp_path / "dinov2_vits14_pretrain.pth")
    extractor = EXTRACTORS.get("dinov2-vit-s-14")(CPU, weights_dir=tmp_path)
    assert extractor(torch.rand(2, 1, 16, 16)).shape == (2, 12)


@pytest.fixture
def random_alexnet(tmp_path):
    from torchvision.models import alexnet

    torch.manual_seed(0)
    torch.save(alexnet().state_dict(), tmp_path / BACKBONES["alex"].name)
    return tmp_path


def test_lpips_embedding_distances_equal_the_lpips_package(random_alexnet):
    import lpips

    embedding = LPIPSEmbedding(CPU, weights_dir=random_alexnet)
    reference = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False).eval()
    reference.net.load_state_dict(embedding.model.net.state_dict())
    x, y = torch.rand(5, 3, 64, 64), torch.rand(5, 3, 64, 64)
    expected = reference(x, y, normalize=True).flatten()
    actual = ((embedding(x) - embedding(y)) ** 2).sum(dim=1)
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-7)


def test_lpips_diversity_is_the_mean_over_all_pairs(random_alexnet):
    phi = np.random.default_rng(0).normal(size=(7, 5))
    brute = np.mean([((phi[i] - phi[j]) ** 2).sum() for i in range(7) for j in range(7) if i != j])
    assert mean_pairwise_sq_distance(phi, np.ones(7)) == pytest.approx(brute, rel=1e-12)
    metric = LPIPSDiversity(LPIPSEmbedding(CPU, weights_dir=random_alexnet))
    same = torch.rand(1, 1, 16, 16).expand(6, -1, -1, -1)
    metric.update(same)
    assert metric.compute().value == pytest.approx(0.0, abs=1e-9)
    metric = LPIPSDiversity(LPIPSEmbedding(CPU, weights_dir=random_alexnet))
    metric.update(torch.rand(6, 1, 16, 16))
    result = metric.compute()
    assert result.value > 0 and result.label == "LPIPS-diversity[alex]"
