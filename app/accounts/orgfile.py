"""The organisations CSV the desk imports: columns name, party_id, market_participant_ids, roles
(several ids or roles in one cell separated by ';', '|' or ',')."""
from __future__ import annotations

import csv
import re
from pathlib import Path

COLUMNS = ("name", "party_id", "market_participant_ids", "roles")
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _./-]*$")
_SPLIT = re.compile(r"[;|,]")


class OrganisationFileError(ValueError):
    """A problem in the file, as path:line: message."""


def _many(cell: str | None) -> list[str]:
    return [part.strip() for part in _SPLIT.split(cell or "") if part.strip()]


def read_organisations(path: Path) -> list[dict[str, object]]:
    """Every row, checked; the first problem raises OrganisationFileError naming the line and column."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise OrganisationFileError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                                            f"expected {', '.join(COLUMNS)}")
            rows: list[dict[str, object]] = []
            seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                name, party_id = (row.get("name") or "").strip(), (row.get("party_id") or "").strip().upper()
                if not name:
                    raise OrganisationFileError(f"{path}:{line}: name is empty")
                if not party_id or not _IDENT.match(party_id) or len(party_id) > 40:
                    raise OrganisationFileError(f"{path}:{line}: party_id {party_id!r} is not a Party ID")
                if party_id in seen:
                    raise OrganisationFileError(f"{path}:{line}: party_id {party_id} already on line {seen[party_id]}")
                seen[party_id] = line
                mpids = [m.upper() for m in _many(row.get("market_participant_ids"))]
                bad = [m for m in mpids if not _IDENT.match(m) or len(m) > 40]
                if bad:
                    raise OrganisationFileError(f"{path}:{line}: market_participant_ids: {bad[0]!r} is not an id")
                rows.append({"name": name[:200], "party_id": party_id, "market_participant_ids": mpids,
                             "roles": [r[:100] for r in _many(row.get("roles"))]})
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise OrganisationFileError(f"{path}: cannot read it ({exc})") from None
