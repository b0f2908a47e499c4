"""Sample grids of the zoo's generative models, from the shipped weights with a fixed seed.

``python -m benchbench.train.grids`` rewrites ``docs/zoo/<name>.png`` for every generative
entry, plus ``docs/zoo/digits-test.png`` (held-out real digits) to compare them with.
The samplers here are the plain ones a grid needs (DDIM for the diffusion model); the
benchmark adapters expose the families' full set of knobs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from benchbench.nets.checkpoint import load_checkpoint
from benchbench.zoo import ZOO, entry, weights_path

Sampler = Callable[[int, torch.Generator], torch.Tensor]  # (n, generator) -> [n, 1, H, W] in [0, 1]


def _gan(module: nn.Module, device: str) -> Sampler:
    """A class-conditional generator draws the digits in order (sample i is digit i mod 10)."""
    classes = getattr(module, "num_classes", None)

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, module.z_dim, generator=g, device=device)
        return module(z) if classes is None else module(z, torch.arange(n, device=device) % classes)

    return sample


def _vae(module: nn.Module, device: str) -> Sampler:
    return lambda n, g: module.decode(torch.randn(n, module.latent_dim, generator=g, device=device))


def _autoregressive(module: nn.Module, device: str) -> Sampler:
    return lambda n, g: module.sample(n, g)


_CHECKPOINT_SAMPLERS: dict[str, Callable[[nn.Module, str], Sampler]] = {
    "gan": _gan,
    "vae": _vae,
    "autoregressive": _autoregressive,
}


def ddim_sampler(weights: Path, device: str, steps: int) -> Sampler:
    """Deterministic DDIM (eta = 0) with ``steps`` UNet calls, from a diffusers folder; a
    class-conditional UNet draws the digits in order (sample i is digit i mod 10), with
    guidance 1 (the plain conditional model)."""
    from benchbench.adapters.diffusion import DiffusionAdapter

    adapter = DiffusionAdapter.load(weights, torch.device(device))
    classes = adapter.null_class

    def sample(n: int, generator: torch.Generator) -> torch.Tensor:
        labels = None if classes is None else torch.arange(n) % classes
        return adapter.sample(n, generator, "ddim", steps, labels=labels)

    return sample


def sampler(
    name: str, root: Path | None = None, device: str = "cpu", ddim_steps: int = 50
) -> Sampler:
    """A ``(n, generator) -> images`` function (gradient-free) for the zoo entry ``name``."""
    family = entry(name).family
    if family == "diffusion":
        return torch.no_grad()(ddim_sampler(weights_path(name, root), device, ddim_steps))
    if family not in _CHECKPOINT_SAMPLERS:
        raise ValueError(f"zoo model {name!r} is a {family}, not a generative model")
    module = load_checkpoint(weights_path(name, root)).build().to(device)
    return torch.no_grad()(_CHECKPOINT_SAMPLERS[family](module, device))


def sample(
    name: str, n: int, seed: int, root: Path | None = None, device: str = "cpu"
) -> torch.Tensor:
    """``n`` images of ``name`` drawn with a generator seeded by ``seed`` on ``device``."""
    return sampler(name, root, device)(n, torch.Generator(device).manual_seed(seed)).float().cpu()


def save_grid(images: torch.Tensor, path: Path, nrow: int = 8, scale: int = 4) -> Path:
    """An ``nrow``-wide grid on grey separators, upscaled ``scale``× by nearest neighbour."""
    from PIL import Image
    from torchvision.utils import make_grid

    grid = make_grid(images.clamp(0.0, 1.0), nrow=nrow, padding=2, pad_value=0.5)
    pixels = (grid[0] * 255.0).round().to(torch.uint8).numpy()
    image = Image.fromarray(pixels, mode="L")
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def generative_names() -> list[str]:
    return [name for name, e in ZOO.items() if e.family in (*_CHECKPOINT_SAMPLERS, "diffusion")]


def write_grids(out_dir: Path, seed: int = 0, n: int = 64, root: Path | None = None) -> list[Path]:
    """One grid per generative model, plus the first ``n`` held-out real digits."""
    from benchbench.data.digits import load_digits

    paths = [save_grid(load_digits("test")[0][:n], out_dir / "digits-test.png")]
    for name in generative_names():
        paths.append(save_grid(sample(name, n, seed, root), out_dir / f"{name}.png"))
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/zoo"), help="folder for the PNGs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling generator")
    parser.add_argument("--n", type=int, default=64, help="images per grid")
    parser.add_argument(
        "--weights", type=Path, default=None, help="weights folder (default: shipped)"
    )
    args = parser.parse_args(argv)
    for path in write_grids(args.out, args.seed, args.n, args.weights):
        print(path)


if __name__ == "__main__":
    main()
