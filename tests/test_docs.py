"""The README cannot drift: its command reference is generated, its Quick start is what CI runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quick_start_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_readme_opens_with_quick_start_of_two_command_lines():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## .*$", text, flags=re.M)
    assert headings[0] == "## Quick start"
    lines = _quick_start_lines()
    assert len(lines) == 2
    assert "lbc.example.db" in lines[0] and "pip install" in lines[0]
    assert "pytest" in lines[1] and "pip install" in lines[1]


def test_ci_runs_the_readmes_test_line():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in script and "sed -n 2p" in script
    assert "ruff check" in script and "ruff format --check" in script


def test_command_reference_is_current():
    env = {**os.environ, "LBC_LANG": "en"}
    code = "import sys; from lbc_cli.docs import reference; sys.stdout.write(reference())"
    generated = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    ).stdout
    from lbc_cli.docs import END, START

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    committed = readme.split(START, 1)[1].split(END, 1)[0].lstrip("\n")
    assert committed == generated, "README command reference is stale: run `python -m lbc_cli.docs`"
    for command in (
        "lbc enroll NAME",
        "lbc child list",
        "lbc helper add NAME",
        "lbc config set KEY VALUE",
        "lbc db backup",
    ):
        assert f"### `{command}" in generated
