"""Measuring one cell: the Timer (``timing``), peak memory, the device and its
synchronisation, the roofline (``roofline``: counted work against the device's peaks;
``efficiency``: a cell's roofline rows) and the environment a number was measured in."""
