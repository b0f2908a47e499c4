"""Resumable trainers by name: the zoo's recipes one step at a time (see ``base``)."""

from __future__ import annotations

from benchbench.registry import Registry, RegistryError, load_target
from benchbench.trainers.base import Trainer

TRAINERS: Registry[type[Trainer]] = Registry(
    "trainer", base=Trainer, entry_point_group="benchbench.trainers"
)
TRAINERS.register("dcgan-digits", "benchbench.trainers.gan:GANTrainer")
TRAINERS.register("cgan-digits", "benchbench.trainers.gan:ConditionalGANTrainer")
TRAINERS.register("vae-digits", "benchbench.trainers.vae:VAETrainer")
TRAINERS.register("pixelcnn-digits", "benchbench.trainers.pixelcnn:PixelCNNTrainer")
TRAINERS.register("ddpm-digits", "benchbench.trainers.diffusion:DiffusionTrainer")
TRAINERS.register("cddpm-digits", "benchbench.trainers.diffusion:ConditionalDiffusionTrainer")
TRAINERS.register("wavenet-digits", "benchbench.trainers.audio:WaveNetTrainer")
TRAINERS.register("wavegan-digits", "benchbench.trainers.audio:WaveGANTrainer")
TRAINERS.register("diffwave-digits", "benchbench.trainers.audio:DiffWaveTrainer")


def resolve_trainer(name: str) -> type[Trainer]:
    """A registered trainer name, or ``package.module:Class`` naming a user's own Trainer
    subclass (as ``resolve_adapter`` takes a user's adapter)."""
    if ":" not in name:
        return TRAINERS.get(name)
    obj = load_target(name)
    if isinstance(obj, type) and issubclass(obj, Trainer):
        return obj
    raise RegistryError(f"{name} resolves to {obj!r}, which is not a Trainer subclass")
