"""Background threads are told when the process exits, and the exit waits for their current step."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_exit_stops_background_work_at_its_next_step_and_waits_for_it(tmp_path):
    done = tmp_path / "done"
    script = textwrap.dedent(f"""
        import time
        from app import background

        def work():
            steps = 0
            while not background.stopping():  # a long build, in steps
                time.sleep(0.01)
                steps += 1
            time.sleep(0.2)  # the step in progress when the exit came
            open({str(done)!r}, "w").write(str(steps))

        background.start(work, "test-work")
        time.sleep(0.1)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert done.exists() and int(done.read_text()) > 0
