"""Rendered Markdown cached between loads: the same content as rendering it, and only new text is rendered."""
from __future__ import annotations

from pathlib import Path

import pytest

import app.content.rendercache as rendercache
from app import create_app
from app.content.repository import ContentRepository


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every source the cache had to render."""
    seen: list[str] = []
    real = rendercache.render_markdown

    def counting(source: str):
        seen.append(source)
        return real(source)

    monkeypatch.setattr(rendercache, "render_markdown", counting)
    return seen


def snapshot(repo: ContentRepository) -> list:
    return ([(a.slug, a.html, a.text, a.headings) for a in repo.all_articles()]
            + [(t.slug, t.html, t.definition) for t in repo.glossary])


def test_a_second_load_renders_nothing_and_gives_the_same_content(content_dir, tmp_path, renders):
    cache = tmp_path / rendercache.FILE_NAME
    first = ContentRepository(content_dir, cache)
    assert renders and cache.exists()
    renders.clear()
    second = ContentRepository(content_dir, cache)
    assert renders == []
    assert snapshot(second) == snapshot(first) == snapshot(ContentRepository(content_dir))


def test_an_edited_article_alone_is_rendered_again(content_dir, tmp_path, renders):
    cache = tmp_path / rendercache.FILE_NAME
    ContentRepository(content_dir, cache)
    path = content_dir / "articles" / "message-bounce-back.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    renders.clear()
    repo = ContentRepository(content_dir, cache)
    assert len(renders) == 1 and "A new closing line." in repo.get_article("message-bounce-back").html


def test_another_renderer_discards_the_cache(content_dir, tmp_path, renders, monkeypatch):
    cache = tmp_path / rendercache.FILE_NAME
    ContentRepository(content_dir, cache)
    everything = len(renders)
    renders.clear()
    monkeypatch.setattr(rendercache, "renderer_fingerprint", lambda: "a newer renderer")
    ContentRepository(content_dir, cache)
    assert len(renders) == everything


@pytest.mark.parametrize("damage", ["not json {", '{"renderer": 1}', "[]"])
def test_a_damaged_cache_is_rendered_anew_and_rewritten(content_dir, tmp_path, renders, damage):
    cache = tmp_path / rendercache.FILE_NAME
    cache.write_text(damage, encoding="utf-8")
    repo = ContentRepository(content_dir, cache)
    assert snapshot(repo) == snapshot(ContentRepository(content_dir))
    renders.clear()
    ContentRepository(content_dir, cache)
    assert renders == []


def test_a_cache_that_cannot_be_written_only_costs_time(content_dir, tmp_path, caplog):
    (tmp_path / rendercache.FILE_NAME).mkdir()  # a folder where the file should go
    repo = ContentRepository(content_dir, tmp_path / rendercache.FILE_NAME)
    assert snapshot(repo) == snapshot(ContentRepository(content_dir))
    assert "not cached" in caplog.text


def test_no_folder_is_created_for_the_cache(content_dir, tmp_path):
    """The cache lives in the index folder that `make index` makes: loading the content alone creates nothing."""
    ContentRepository(content_dir, tmp_path / "index" / rendercache.FILE_NAME)
    assert not (tmp_path / "index").exists()


def test_the_server_keeps_the_cache_in_its_index_folder(app_config):
    index = Path(app_config["KB_INDEX_DIR"])
    index.mkdir()
    flask_app = create_app(app_config)
    assert flask_app.extensions["kb"].content.published()
    assert (index / rendercache.FILE_NAME).exists()
