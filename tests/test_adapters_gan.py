"""The class-conditional GAN: its nets, and the GAN adapter taking ``labels``."""

from __future__ import annotations

import pytest
import torch

from benchbench.adapters.gan import GANAdapter
from benchbench.nets.checkpoint import save_checkpoint
from benchbench.nets.dcgan import ConditionalGenerator, ProjectionDiscriminator

CPU = torch.device("cpu")
CONFIG = {"z_dim": 4, "width": 8, "num_classes": 3}


@pytest.fixture
def adapter(tmp_path) -> GANAdapter:
    torch.manual_seed(0)
    path = save_checkpoint(
        tmp_path / "cgan.pt", ConditionalGenerator(**CONFIG), "cgan-generator", CONFIG
    )
    return GANAdapter.load(path, CPU)


@torch.inference_mode()
def test_labels_steer_the_conditional_generator(adapter):
    assert adapter.accepts("labels")

    def draw(labels):
        return adapter.sample(3, torch.Generator().manual_seed(1), labels=labels)

    zeros, twos = torch.zeros(3, dtype=torch.long), torch.full((3,), 2)
    assert torch.equal(draw(zeros), draw(zeros))
    assert not torch.allclose(draw(zeros), draw(twos), atol=1e-4)  # same z, other class
    unlabelled = draw(None)  # classes drawn from the generator: reproducible
    assert unlabelled.shape == (3, 1, 16, 16) and torch.equal(unlabelled, draw(None))
    with pytest.raises(ValueError, match=r"3 class indices in 0\.\.2"):
        draw(torch.tensor([0, 1, 3]))


@torch.inference_mode()
def test_unconditional_generator_ignores_labels(tmp_path):
    from benchbench.nets.dcgan import Generator

    torch.manual_seed(0)
    config = {"z_dim": 4, "width": 8}
    adapter = GANAdapter.load(
        save_checkpoint(tmp_path / "g.pt", Generator(**config), "dcgan-generator", config), CPU
    )
    with_labels = adapter.sample(2, torch.Generator().manual_seed(0), labels=torch.tensor([0, 1]))
    assert torch.equal(with_labels, adapter.sample(2, torch.Generator().manual_seed(0)))


def test_one_hot_condition_and_projection_head_in_closed_form():
    torch.manual_seed(0)
    gen = ConditionalGenerator(**CONFIG).eval()
    z, labels = torch.randn(2, 4), torch.tensor([2, 0])
    one_hot = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    with torch.no_grad():
        assert torch.equal(
            gen(z, labels), torch.sigmoid(gen.upsample(gen.project(torch.cat([z, one_hot], 1))))
        )
    disc = ProjectionDiscriminator(width=8, num_classes=3).eval()
    x = torch.rand(2, 1, 16, 16)
    with torch.no_grad():
        features = disc.body[:-1](x * 2 - 1)
        expected = disc.body[-1](features)[:, 0] + (features * disc.embed.weight[labels]).sum(1)
        torch.testing.assert_close(disc(x, labels), expected)
