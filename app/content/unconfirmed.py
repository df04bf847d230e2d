"""Claims the service definition does not support, marked in article bodies until they are confirmed.

An author writes ``{unconfirmed 2027-06-30}`` straight after such a claim. Readers see one consistent
note in its place; ``make check`` fails once the date has passed, so the claim gets confirmed against
the Operation Guides (or removed) instead of lingering.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

MARKER = re.compile(r"\{unconfirmed(?:\s+([^}]*))?\}")
NOTE = "to be confirmed against the Operation Guides"


def review_date(marker: re.Match[str]) -> dt.date | None:
    """The review date a marker carries; None when it has none or it is not a YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat((marker.group(1) or "").strip())
    except ValueError:
        return None


def _note(marker: re.Match[str]) -> str:
    when = review_date(marker)
    due = f", review by {when.day} {when:%B %Y}" if when else ""
    return f'<span class="unconfirmed">({html.escape(NOTE + due)})</span>'


def render_markers(fragment: str) -> str:
    """Sanitised article HTML with each marker replaced by the visible note."""
    return MARKER.sub(_note, fragment)


def problems(line: str, today: dt.date) -> Iterator[str]:
    """What is wrong with the markers on one body line."""
    for m in MARKER.finditer(line):
        when = review_date(m)
        if when is None:
            yield f"'{m.group(0)}' needs a review date: {{unconfirmed YYYY-MM-DD}}"
        elif when < today:
            yield (f"unconfirmed claim was due for review on {when.isoformat()}: confirm it against the "
                   "Operation Guides and remove the marker, or remove the claim")
