"""The ``bench`` command line: ``app`` assembles the commands, one module per command
group, and ``common`` holds what they share (consoles, errors, the store)."""
