"""Content layer: articles and glossary terms read from Markdown files with YAML front matter."""
from __future__ import annotations

from app.content.models import Article, Category, ContentProblem, GlossaryTerm, Heading

__all__ = ["Article", "Category", "ContentProblem", "GlossaryTerm", "Heading"]
