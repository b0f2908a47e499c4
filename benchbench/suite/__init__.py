"""Suites: what to run, as validated data. ``schema`` (the fields and their bounds),
``yamlsource`` (YAML with line numbers, nothing but plain data), ``load`` (read and
validate), ``checks`` (names, weights and params against the registries), ``problems``
(every error as ``file:line: field: message``) and ``prompts`` (prompt files)."""
