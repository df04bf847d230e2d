"""`make lint` runs bandit over app/ and fails on any finding; a deliberate exception carries `# nosec BXXX`
with its reason beside it, which this test checks (a bare `# nosec` would hide a finding silently)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_nosec_says_why():
    """`# nosec` alone hides a finding without a reason: each one names its test and explains itself."""
    bare = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if "# nosec" not in line:
                continue
            after = line.split("# nosec", 1)[1].strip()
            above = lines[number - 2].strip() if number > 1 else ""
            named = after[:1] == "B"
            explained = "#" in after or (above.startswith("# B") and ":" in above)
            if not (named and explained):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "\n".join(bare)
