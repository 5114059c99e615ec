"""The README's crontab line, run exactly as written (schedule fields aside), produces the month's file."""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _crontab_line() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```crontab", 1)[1].split("```", 1)[0]
    [line] = [raw for raw in block.splitlines() if raw.strip()]
    return line


@pytest.mark.sqlite_only("the README's crontab line names a database file")
def test_readme_cron_line_writes_the_months_reminders(tmp_path):
    line = _crontab_line()
    fields = line.split(None, 5)
    assert fields[:5] == ["0", "7", "1", "*", "*"]  # 07:00 on the 1st of every month
    command = fields[5]
    # cron runs the command with /bin/sh after turning each unescaped % into a newline and `\\%` into `%`
    assert re.search(r"(?<!\\)%", command) is None
    shell_command = command.replace("\\%", "%")

    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / "lbc" / "reminders").mkdir(parents=True)
    wrapper = home / ".local" / "bin" / "lbc"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lbc_cli "$@"\n')
    wrapper.chmod(0o755)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LBC_LANG": "en"}
    db = home / "lbc" / "lbc.db"
    subprocess.run([str(wrapper), "--db", str(db), "init", "--example"], env=env, check=True, capture_output=True)

    result = subprocess.run(["/bin/sh", "-c", shell_command], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    month_file = home / "lbc" / "reminders" / f"{date.today():%Y-%m}.md"
    text = month_file.read_text(encoding="utf-8")
    assert text.startswith("# Care work due (")
    assert "## " in text  # one section per helper
    assert os.stat(month_file).st_mode & 0o777 == 0o600  # children's data: the file is the owner's only
    assert (home / "lbc" / "reminders" / "cron.log").read_text() == ""
