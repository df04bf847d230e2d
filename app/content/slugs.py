"""The one slug rule: article file names and URLs, heading anchors, and download file names."""
from __future__ import annotations

import re
import unicodedata

_PUNCTUATION = re.compile(r"[^\w\s-]")
_GAPS = re.compile(r"[\s_-]+")


def slugify(text: str, max_length: int = 0, separator: str = "-") -> str:
    """Lower-case ASCII words joined by `separator`, the rule of Markdown's heading anchors: accents dropped
    ("Café" -> "cafe"), punctuation removed ("What's" -> "whats", "6.3" -> "63"), each run of spaces,
    hyphens and underscores one separator. With `max_length`, cut after the last whole word that fits
    (a first word longer than that is cut at the limit)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _GAPS.split(_PUNCTUATION.sub("", ascii_text).lower())
    slug = separator.join(w for w in words if w)
    if max_length and len(slug) > max_length:
        head = slug[: max_length + 1]
        slug = head.rsplit(separator, 1)[0] if separator in head else slug[:max_length]
    return slug
