"""`content new`: a new article's file name and starting text, front matter filled in, status draft."""
from __future__ import annotations

import calendar
import datetime as dt
import json

import yaml

from app.content.slugs import slugify

REVIEW_MONTHS = 6
SUMMARY_PLACEHOLDER = "TODO: one or two sentences saying what the reader will learn."


def slug_for(title: str) -> str:
    """The file name (without .md) and URL of an article with this title."""
    return slugify(title, max_length=80)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day some months on, or the month's last day when it is shorter (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _scalar(text: str) -> str:
    """Text as a YAML value: plain when that reads back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"v: {text}") == {"v": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def new_article(title: str, category: str, owner: str, today: dt.date, summary: str | None = None) -> str:
    """The Markdown of a draft article with the house headings; TODO marks what the author must write."""
    return f"""---
title: {_scalar(title)}
summary: {_scalar(summary or SUMMARY_PLACEHOLDER)}
category: {category}
tags: []
status: draft
owner: {_scalar(owner)}
reviewed: {today.isoformat()}
review_by: {add_months(today, REVIEW_MONTHS).isoformat()}
related: []
scenarios: []
topics: []
service_requests: []
---
TODO: the opening paragraph, in the reader's words: what they see and what this article helps them do.

## What this means
TODO: explain the situation and its likely causes.

## What to check first
1. TODO: the first thing to check.
2. TODO: the next thing to check.

## When to raise a case
TODO: when self-help is not enough, and what to include in the case.
"""
