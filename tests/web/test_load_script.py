"""scripts/load.py keeps working: a one-second run against gunicorn on loopback reports zero errors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_module():
    spec = importlib.util.spec_from_file_location("kb_load_script", ROOT / "scripts" / "load.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_percentiles_use_the_nearest_rank() -> None:
    load = load_module()
    values = [n / 1000 for n in range(1, 101)]  # 1..100 ms
    assert (load.percentile(values, 50), load.percentile(values, 95), load.percentile(values, 99)) == (50, 95, 99)


@pytest.mark.skipif(not Path(sys.executable).with_name("gunicorn").exists(), reason="gunicorn is not installed")
def test_a_short_run_reports_every_kind_and_no_errors(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KB_CONTENT_DIR", str(ROOT / "tests" / "fixtures" / "content"))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    load = load_module()
    code = load.main(["--duration", "1", "--clients", "2", "--workers", "1", "--threads", "2", "--semantic", "off"])
    out = capsys.readouterr().out
    assert code == 0, out
    for kind in ("search", "article", "assist", "case", "**all**"):
        assert f"| {kind} |" in out
    assert "errors: 0; server errors logged: 0" in out


def test_the_run_is_bounded_and_loopback_only() -> None:
    load = load_module()
    with pytest.raises(SystemExit):
        load.main(["--duration", "3600"])
    with pytest.raises(SystemExit):
        load.main(["--postgres", "postgresql+psycopg://app@db.example.com/kb"])
