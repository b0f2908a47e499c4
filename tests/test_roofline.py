"""Roofline: FLOPs and bytes of one call against closed forms; bounds on synthetic peaks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from benchbench.measure.roofline import DevicePeak, Work, count_work, device_peak, roofline

F32 = 4  # bytes per float32


def test_linear_work_is_the_closed_form():
    layer = nn.Linear(64, 32)
    x = torch.randn(8, 64)
    work = count_work(layer, lambda: layer(x))
    assert work.flops == 2 * 8 * 64 * 32
    assert work.bytes == F32 * ((64 * 32 + 32) + 8 * 64 + 8 * 32)


def test_nested_modules_count_every_leaf_call_once_per_call():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 1))
    x = torch.randn(2, 3, 16, 16)
    work = count_work(net, lambda: [net(x), net(x)])  # two passes: twice the work
    pixels = 2 * 16 * 16
    conv1 = 2 * pixels * 8 * 3 * 9
    conv2 = 2 * pixels * 4 * 8
    assert work.flops == 2 * (conv1 + conv2)
    weights = (8 * 3 * 9 + 8) + (4 * 8 + 4)
    activations = pixels * (3 + 8) + pixels * (8 + 8) + pixels * (8 + 4)  # in + out per leaf
    assert work.bytes == 2 * F32 * (weights + activations)


def test_device_names_map_to_their_datasheet_peaks():
    assert device_peak("NVIDIA H100 80GB HBM3").name == "NVIDIA H100 SXM"
    assert device_peak("NVIDIA H100 NVL").name == "NVIDIA H100 NVL"
    assert device_peak("NVIDIA H100 PCIe").bandwidth == pytest.approx(2.0e12)
    assert device_peak("NVIDIA H200").bandwidth == pytest.approx(4.8e12)
    assert device_peak("NVIDIA GeForce RTX 4090") is None and device_peak(None) is None


PEAK = DevicePeak("test", {torch.float32: 100e12, torch.float16: 1000e12}, 2e12)  # ridge 50


@pytest.mark.parametrize(
    "work,seconds,dtype,bound,compute,memory",
    [
        (Work(flops=10**12, bytes=10**9), 0.02, torch.float32, "compute", 0.5, 0.025),
        (Work(flops=10**10, bytes=10**10), 0.01, torch.float32, "memory", 0.01, 0.5),
        (Work(flops=10**10, bytes=10**10), 1.0, torch.float32, "overhead", 1e-4, 0.005),
        (Work(flops=10**12, bytes=10**9), 0.02, torch.float16, "overhead", 0.05, 0.025),
    ],
)
def test_bound_follows_intensity_against_the_ridge(work, seconds, dtype, bound, compute, memory):
    point = roofline(work, seconds, dtype, PEAK)
    assert point.bound == bound
    assert point.compute_utilisation == pytest.approx(compute)
    assert point.memory_utilisation == pytest.approx(memory)
    assert point.intensity == pytest.approx(work.flops / work.bytes)
    assert point.flops_per_s == pytest.approx(work.flops / seconds)


def test_unknown_device_gives_rates_without_utilisation():
    point = roofline(Work(10**9, 10**6), 0.5, torch.float32, None)
    assert point.flops_per_s == pytest.approx(2e9) and point.bytes_per_s == pytest.approx(2e6)
    assert point.bound is None and point.compute_utilisation is None
