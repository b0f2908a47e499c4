"""Metrics made for audio: ``kad`` (Kernel Audio Distance). The extractor-neutral feature
metrics (fd, kd, precision, recall, density, coverage, is) of ``metrics.features`` work on
audio features as they are."""
