"""User text made literal in Markdown that GitHub renders (pull-request comments).

One function for every Markdown this package writes (the report's leaderboard and the
gate's verdict), so a fix to it reaches both. Text is escaped twice over: HTML entities,
because GitHub renders inline HTML, and backslashes for the Markdown that tables break on.
Line breaks become spaces (a table row is one line), and other control characters
(terminal colour codes in an error message, NUL) the replacement character.
"""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = LINE_BREAKS.sub(" ", MARKDOWN_SPECIAL.sub(r"\\\1", text))
    return CONTROL.sub("\ufffd", text)
