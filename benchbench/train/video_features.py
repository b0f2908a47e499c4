"""The recipe of the embedded video feature extractor ``moving-digits-cnn``.

Kept apart from the generators' recipes (``train/video_recipes.py``): it trains the
network the video metrics embed in, as ``train_classifier`` does for ``digits-cnn``,
with the same seeded loop, checkpoint and model card (``train/recipes.py``). Its loss
asks for the digit *and* the direction (which only the order of frames tells), so the
clip vector must see time, plus the digit from each frame alone, so the per-frame
vector holds the content. No augmentation: the world has no noise, blur or gain, so
features stay sensitive to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from benchbench.data.moving_digits import FRAME_RATE, FRAMES, SIZE, load_moving_digits
from benchbench.nets.video_classifier import MovingDigitsCNN
from benchbench.train.recipes import TrainingRun, build, descend, generators

MOVING_DIGITS_CNN_CONFIG: dict[str, Any] = {
    "frames": FRAMES,
    "size": SIZE,
    "width": 16,
    "frame_dim": 64,
    "temporal_width": 64,
    "feature_dim": 64,
    "num_classes": 10,
    "num_directions": 4,
}
FRAME_LOSS_WEIGHT = 0.5  # the per-frame digit loss, beside the clip's digit and direction


def moving_digits_losses(
    model: MovingDigitsCNN, videos: torch.Tensor, digits: torch.Tensor, directions: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Cross-entropies of the clip's digit and direction and of each frame's digit."""
    frame_vectors = model.frame_features(videos.flatten(0, 1))
    features = model.clip_features(frame_vectors.unflatten(0, videos.shape[:2]))
    frame_digits = digits.repeat_interleave(videos.shape[1])
    return {
        "digit": F.cross_entropy(model.classify(features), digits),
        "direction": F.cross_entropy(model.direction(features), directions),
        "frame_digit": F.cross_entropy(model.frame_classify(frame_vectors), frame_digits),
    }


@torch.no_grad()
def held_out_accuracies(
    model: MovingDigitsCNN, videos: torch.Tensor, digits: torch.Tensor, directions: torch.Tensor
) -> dict[str, float]:
    """Accuracy of the digit, the direction and the single-frame digit on held-out clips."""
    model.eval()
    features = model.features(videos)
    frame_logits = model.frame_classify(model.frame_features(videos.flatten(0, 1)))
    frame_digits = digits.repeat_interleave(videos.shape[1])
    return {
        "digit": (model.classify(features).argmax(1) == digits).float().mean().item(),
        "direction": (model.direction(features).argmax(1) == directions).float().mean().item(),
        "frame_digit": (frame_logits.argmax(1) == frame_digits).float().mean().item(),
    }


def train_moving_digits_cnn(
    out_dir: Path, seed: int = 0, epochs: int = 20, device: str = "cpu"
) -> dict[str, Any]:
    """``moving-digits-cnn``: the three cross-entropies summed (the frame one weighted by
    ``FRAME_LOSS_WEIGHT``), AdamW, cosine schedule; the card records held-out accuracies."""
    name, batch_size = "moving-digits-cnn", 64
    config = MOVING_DIGITS_CNN_CONFIG
    order, _ = generators(seed, device)
    model = build(lambda: MovingDigitsCNN(**config), seed, device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)

    def step(x: torch.Tensor, digits: torch.Tensor, directions: torch.Tensor) -> dict[str, float]:
        losses = moving_digits_losses(model, x.to(device), digits.to(device), directions.to(device))
        total = losses["digit"] + losses["direction"] + FRAME_LOSS_WEIGHT * losses["frame_digit"]
        descend(opt, total)
        return {"total": total.item(), **{key: value.item() for key, value in losses.items()}}

    run = TrainingRun(name, seed, epochs, batch_size, device)
    fitted = run.fit(step, load_moving_digits("train"), [opt], order)
    test = [t.to(device) for t in load_moving_digits("test")]
    held_out = held_out_accuracies(model, *test)
    return run.write(
        out_dir,
        model,
        name,
        config,
        fitted,
        extra={
            "held_out_accuracy": round(held_out["digit"], 4),
            "held_out_direction_accuracy": round(held_out["direction"], 4),
            "held_out_frame_digit_accuracy": round(held_out["frame_digit"], 4),
            "held_out_n": len(test[0]),
            "feature_dim": config["feature_dim"],
            "frame_feature_dim": config["frame_dim"],
            "data": {
                "dataset": "moving-digits",
                "split": "train",
                "frames": FRAMES,
                "frame_rate": FRAME_RATE,
                "size": SIZE,
                "n": fitted.examples,
            },
        },
    )
