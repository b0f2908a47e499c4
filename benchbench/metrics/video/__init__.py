"""Metrics defined on videos only (per-frame distances); the feature metrics in
``metrics/features`` score video clip features as they score any features."""
