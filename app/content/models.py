"""Values of the content layer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class ContentError(Exception):
    """A content file that cannot be used; carries the line it went wrong on."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ContentProblem:
    """One finding about a content file, reported as path:line: message."""

    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    description: str


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    summary: str
    category: str
    tags: tuple[str, ...]
    status: Status
    owner: str
    reviewed: dt.date | None
    review_by: dt.date | None
    related: tuple[str, ...]
    scenarios: tuple[str, ...]
    topics: tuple[str, ...]
    service_requests: tuple[str, ...]
    body: str
    html: str
    text: str
    headings: tuple[Heading, ...]
    path: str
    replaced_by: str | None = None
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"

    @property
    def is_public(self) -> bool:
        return self.status is Status.PUBLISHED

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def covers(self) -> tuple[str, ...]:
        """Ids of the source material (DIP-, KA-, SR-) this article answers."""
        return self.scenarios + self.topics + self.service_requests


@dataclass(frozen=True)
class GlossaryTerm:
    slug: str
    term: str
    acronym: str | None
    aliases: tuple[str, ...]
    see_also: tuple[str, ...]
    source: str | None
    definition: str
    html: str
    path: str

    @property
    def url(self) -> str:
        return f"/glossary/{self.slug}"

    @property
    def letter(self) -> str:
        """Navigation bucket: A-Z, or 0-9 for terms starting with a digit or symbol."""
        first = self.term[:1].upper()
        return first if "A" <= first <= "Z" else "0-9"

    def names(self) -> tuple[str, ...]:
        """Every way a reader may write this term."""
        return tuple(n for n in (self.term, self.acronym, *self.aliases) if n)
