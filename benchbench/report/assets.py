"""Files of the site: written only when their bytes change, stale ones pruned.

Unchanged files keep their modification time, and regenerating a report from the
same store leaves a committed example untouched. Only the folders the report owns
are pruned, never the rest of ``--out``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

OWNED = ("assets/plots", "assets/samples", "assets/data")


class Assets:
    def __init__(self, root: Path):
        self.root = root
        self.written: set[Path] = set()

    def write(self, relative: str, content: bytes | str) -> str:
        """Write ``root/relative``; returns ``relative``, the link to use in the page."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        self.written.add(path)
        return relative

    def keep(self, path: Path) -> str:
        """Record a file written by someone else (the data export) under root."""
        self.written.add(path)
        return path.relative_to(self.root).as_posix()

    def prune(self) -> None:
        for folder in OWNED:
            for path in sorted((self.root / folder).glob("*")):
                if path.is_file() and path not in self.written:
                    path.unlink()


def slugify(text: str) -> str:
    """A file- and id-safe name; a hash suffix keeps distinct names distinct."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "suite"
    if slug != text:
        slug += "-" + hashlib.sha256(text.encode()).hexdigest()[:6]
    return slug
