"""`lbc cron --print` (SPEC section 12): the line it prints, run exactly as cron runs it.

cron runs the command after the five schedule fields (or the @-macro) with /bin/sh, each `\\%` made `%`, with no
locale, no PATH of the user's and the home folder as the working folder: here `env -i /bin/sh -c COMMAND` from a
folder that is not the repository. lbc is started as these tests start it (`python -m lbc_cli` of this
interpreter); when this session found lbc_cli through PYTHONPATH (a source checkout), the line sets it itself, so
nothing is passed to the cron run but the command.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ON_PG, copy_db, execute, is_url
from fake_platforms import platform  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def printed(db, lang: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`lbc --lang LANG cron --print ARGS` in a fresh interpreter, started from ``cwd``."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("LBC_LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "lbc_cli", "--db", str(db), "--lang", lang, "cron", "--print", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def split_line(line: str) -> tuple[str, str]:
    """The schedule and the command of a crontab line, as cron reads them."""
    assert "\n" not in line
    fields = line.split(" ", 1 if line.startswith("@") else 5)
    schedule, command = " ".join(fields[:-1]), fields[-1]
    assert re.search(r"(?<!\\)%", command) is None, "an unescaped % is a newline to cron"
    return schedule, command


def as_cron(line: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the line's command as cron would: `\\%` made `%`, /bin/sh, an empty environment."""
    _schedule, command = split_line(line)
    return subprocess.run(
        ["env", "-i", "/bin/sh", "-c", command.replace("\\%", "%")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def folder_of(db, data_home: Path) -> Path:
    """Where the line keeps logs/ and reminders/: beside the SQLite file, or the user data folder's lbc/."""
    return data_home / "lbc" if is_url(db) else Path(db).parent


def stem_of(db) -> str:
    if is_url(db):
        from sqlalchemy.engine import make_url

        return make_url(str(db)).database
    return Path(db).stem


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working folder that is not the repository (cron's is the home folder)."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def data_home(tmp_path) -> Path:
    return tmp_path / "data"


def _child_alone(lbc) -> None:
    """A child with no guardian: an urgent reminder due at once, whatever the day the test runs."""
    done = lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村")
    assert done.code == 0, done.err


@pytest.mark.parametrize(
    ("lang", "title", "refused"),
    [("zh", "# 关爱工作提醒（", "无法写入"), ("en", "# Care work due (", "cannot write")],
)
def test_the_line_runs_as_cron_runs_it(lbc, db, lang, title, refused, elsewhere, data_home):
    _child_alone(lbc)
    done = printed(db, lang, cwd=elsewhere, env={"XDG_DATA_HOME": str(data_home)})
    assert done.returncode == 0, done.stderr
    line = done.stdout.rstrip("\n")
    assert "\n" not in line  # stdout is the line alone
    schedule, command = split_line(line)
    assert schedule == "0 8 * * 1"  # the default: Mondays at 08:00
    assert f"LBC_LANG={lang} " in command
    assert "remind --format md --out " in command and "$(date +\\%Y-\\%m-\\%d)" in command
    assert "crontab -e" in done.stderr
    if lang == "zh":  # the notes in one language (SPEC section 11): crontab is a program, channel a command
        from test_one_language import _english_words

        assert _english_words(done.stderr, ["crontab", "channel"]) == [], done.stderr
    folder = folder_of(db, data_home)
    if not is_url(db):
        assert f"--db {db} " in command  # an absolute path (tmp_path's), the file the session used

    first = as_cron(line, elsewhere)
    assert first.returncode == 0, first.stderr
    assert first.stdout == first.stderr == ""  # everything went to the log
    logs, reminders = folder / "logs", folder / "reminders"
    assert mode(logs) == mode(reminders) == 0o700  # made by the line itself, the owner's only
    [written] = reminders.iterdir()
    assert re.fullmatch(re.escape(stem_of(db)) + r"-\d{4}-\d{2}-\d{2}\.md", written.name)
    text = written.read_text(encoding="utf-8")
    assert text.startswith(title)  # in the session's language, though cron sets no locale
    assert "王小明" in text
    assert mode(written) == 0o600
    log = logs / f"{stem_of(db)}-cron.log"
    assert mode(log) == 0o600
    [stamp] = log.read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", stamp)  # each run's start

    # a second run appends; lbc's own messages land in the log, in the session's language
    written.unlink()
    written.mkdir()  # the day's file cannot be written: lbc says why
    second = as_cron(line, elsewhere)
    assert second.returncode == 1
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == stamp and len(lines) == 3
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", lines[1])
    assert refused in lines[2]
    if lang == "en":
        assert re.search(r"[\u4e00-\u9fff]", lines[2].replace(str(folder), "")) is None


def _insert_channel(db, name: str, style: str, **columns) -> None:
    values = {"uid": f"test-{name}", "name": name, "style": style, "villages": "", "helper_ids": "", **columns}
    values["created_at"] = "2026-12-01T00:00:00+00:00"
    execute(db, f"INSERT INTO channels ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})", *values.values())


def _can_send() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "lbc_cli", "--lang", "en", "remind", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    return "--send" in done.stdout


def test_with_a_channel_the_line_sends(lbc, db, platform, elsewhere, data_home):  # noqa: F811
    if not _can_send():
        pytest.skip("lbc remind --send is not here yet (issue 22, part C)")
    _child_alone(lbc)
    _insert_channel(db, "村群", "json", webhook=platform.url("/hook?key=xxxxxxxx"))
    done = printed(db, "zh", cwd=elsewhere, env={"XDG_DATA_HOME": str(data_home)})
    assert done.returncode == 0, done.stderr
    line = done.stdout.rstrip("\n")
    assert " remind --send; }" in line and "--out" not in line and "reminders" not in line
    assert "村群" in done.stderr  # the channels it sends to are named

    first = as_cron(line, elsewhere)
    assert first.returncode == 0, first.stderr
    assert platform.requests, "nothing was posted"
    posted = "".join(request.body.decode() for request in platform.requests)
    assert "王小明" in posted and "无人监护" in posted  # Chinese, though cron sets no locale
    log = folder_of(db, data_home) / "logs" / f"{stem_of(db)}-cron.log"
    assert mode(log) == 0o600
    assert not (folder_of(db, data_home) / "reminders").exists()
    size, posts = log.stat().st_size, len(platform.requests)
    assert as_cron(line, elsewhere).returncode == 0
    assert log.stat().st_size > size  # a second run appends
    assert len(platform.requests) == posts  # sent within resend_days: not again


def test_an_email_channel_without_a_password_file_is_warned_about(db, elsewhere, data_home):
    _insert_channel(db, "乡镇邮箱", "email", email_to="a@example.org", smtp_host="smtp.qq.com", smtp_port=465)
    done = printed(db, "en", cwd=elsewhere, env={"XDG_DATA_HOME": str(data_home)})
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()  # the warning is on stderr, never on stdout
    assert line.endswith(f">> {folder_of(db, data_home) / 'logs' / stem_of(db)}-cron.log 2>&1")
    assert " remind --send; }" in line
    assert "warning: channel 乡镇邮箱 has no password file: cron has no LBC_SMTP_PASSWORD" in done.stderr


@pytest.mark.sqlite_only("a database file whose folder and name hold a space and a %")
def test_a_path_with_a_space_and_a_percent_sign(db, tmp_path, elsewhere):
    folder = tmp_path / "村 委%会"
    folder.mkdir()
    target = copy_db(db, folder / "lbc 100%.db")
    done = printed(target, "zh", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    line = done.stdout.rstrip("\n")
    assert "'" in line  # quoted for the shell
    assert as_cron(line, elsewhere).returncode == 0
    [written] = (folder / "reminders").iterdir()
    assert written.name.startswith("lbc 100%-") and written.read_text(encoding="utf-8").startswith("# 关爱工作提醒（")
    assert (folder / "logs" / "lbc 100%-cron.log").is_file()


@pytest.mark.sqlite_only("a database file whose folder's name holds a newline")
@pytest.mark.parametrize("name", ["村\n委", "a\\%b"])
def test_a_path_that_cannot_stand_in_a_crontab_line_is_refused(db, tmp_path, elsewhere, name):
    folder = tmp_path / name
    folder.mkdir()
    target = copy_db(db, folder / "lbc.db")
    done = printed(target, "en", cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout == ""
    [said] = done.stderr.splitlines()
    assert "cannot be written in a crontab line" in said


@pytest.mark.skipif(not ON_PG, reason="a server's URL with a password (PostgreSQL)")
def test_a_servers_password_is_left_out_of_the_line(db, elsewhere, data_home):
    from sqlalchemy.engine import make_url

    url = make_url(str(db)).set(password="pw-S3cret")  # the test server trusts 127.0.0.1: any password does
    done = printed(
        url.render_as_string(hide_password=False), "en", cwd=elsewhere, env={"XDG_DATA_HOME": str(data_home)}
    )
    assert done.returncode == 0, done.stderr
    assert "S3cret" not in done.stdout + done.stderr
    assert "~/.pgpass" in done.stderr
    assert f"--db {db} " in done.stdout  # the test server's URL has no password


@pytest.mark.parametrize(
    ("at", "schedule"),
    [
        ("0 8 1 * *", "0 8 1 * *"),
        ("  30 7   1,15 * *  ", "30 7 1,15 * *"),
        ("*/15 6-18 * * 1-5", "*/15 6-18 * * 1-5"),
        ("0 8-20/2 * * 0,6,7", "0 8-20/2 * * 0,6,7"),
        ("0 8 * JAN mon", "0 8 * JAN mon"),
        ("@weekly", "@weekly"),
        ("@DAILY", "@daily"),
        ("@monthly", "@monthly"),
        ("@hourly", "@hourly"),
    ],
)
def test_at_takes_a_cron_schedule(run, db, at, schedule):
    done = run("cron", "--print", "--at", at, db=db)
    assert done.code == 0, done.err
    assert done.out.startswith(schedule + " umask 077; ")
    assert split_line(done.out.rstrip("\n"))[0] == schedule


@pytest.mark.parametrize(
    "at",
    [
        "",
        "0 8 * *",
        "0 8 * * * *",
        "60 8 * * *",
        "0 24 * * *",
        "0 8 0 * *",
        "0 8 32 * *",
        "0 8 * 13 *",
        "0 8 * * 8",
        "*/0 * * * *",
        "5-1 * * * *",
        "5/10 * * * *",
        "0 8 * * mon-fri",
        "0 8 * jan,jul *",
        "0 8 * * monday",
        "@reboot",
        "@week",
        "0 8 * * 1; rm -rf ~",
        "0 8 % * *",
        "0 8 * * 1\n",
        "0\n8 * * * 1",
    ],
)
def test_at_refuses_what_is_no_cron_schedule(run, tmp_path, at):
    done = run("cron", "--print", "--at", at, db=tmp_path / "none.db")  # refused before the database is opened
    assert done.code == 2
    assert done.out == ""
    [said] = done.err.splitlines()
    assert said.startswith("lbc: error: bad value for --at: ") and said.endswith("see lbc cron --help")


def test_at_refused_in_chinese(run, tmp_path):
    done = run("--lang", "zh", "cron", "--print", "--at", "0 8 * * 周一", db=tmp_path / "none.db")
    assert done.code == 2
    assert done.err == (
        "lbc: 错误：--at 的值无效：“0 8 * * 周一”不是定时任务的时间：应为五个字段 分 时 日 月 周（如 0 8 * * 1），"
        "或 @daily、@weekly、@monthly、@hourly；见 lbc cron --help\n"
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_help_names_the_shorthand_schedules_in_both_languages(lang):
    env = {**os.environ, "COLUMNS": "200"}  # help is written at import, in that moment's language: a process
    env.pop("LBC_LANG", None)
    done = subprocess.run([sys.executable, "-m", "lbc_cli", "--lang", lang, "cron", "--help"], capture_output=True,
                          text=True, env=env, check=True)  # fmt: skip
    said = " ".join(done.stdout.replace("│", " ").split())  # the help's lines joined, its frame left out
    assert ("定时任务" in said) == (lang == "zh"), said
    for shorthand in ("@daily", "@weekly", "@monthly", "@hourly"):
        assert shorthand in said, (shorthand, said)


def test_cron_without_print_says_to_add_it(run, db):
    done = run("cron", db=db)
    assert done.code == 2
    assert done.out == ""
    assert "--print" in done.err


@pytest.mark.sqlite_only("runs the installed console script")
def test_the_installed_script_names_itself(db, tmp_path, elsewhere):
    script = Path(sys.executable).parent / "lbc"
    if not script.exists():
        pytest.skip("no lbc console script beside this interpreter")
    done = subprocess.run(
        [str(script), "--db", str(db), "--lang", "en", "cron", "--print", "--at", "@daily"],
        cwd=elsewhere,
        env={k: v for k, v in os.environ.items() if k != "LBC_LANG"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.rstrip("\n")
    assert f" {script} --db " in line and " -m lbc_cli" not in line
    assert as_cron(line, elsewhere).returncode == 0
    [written] = (Path(db).parent / "reminders").iterdir()
    assert written.read_text(encoding="utf-8").startswith("# Care work due (")


@pytest.mark.sqlite_only("the README's example names a database file")
def test_the_readmes_example_is_what_lbc_prints(db, tmp_path, monkeypatch):
    """The README's line is the one `lbc cron --print` prints for its paths: the Quick start's ./.venv/bin/lbc, the
    default database, a channel set, a Chinese session."""
    from lbc_cli import cron, i18n
    from lbc_cli.db import Database

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### 4. 定时发送", 1)[1]
    [example] = [raw for raw in section.split("```text", 1)[1].split("```", 1)[0].splitlines() if raw.strip()]

    home = tmp_path / "home" / "cun"
    script = home / "lbc" / ".venv" / "bin" / "lbc"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    (home / ".local" / "share" / "lbc").mkdir(parents=True)
    target = copy_db(db, home / ".local" / "share" / "lbc" / "lbc.db")
    _insert_channel(target, "李家村群", "wecom", webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x")
    monkeypatch.setattr(sys, "argv", [str(script)])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    database = Database(str(target)).open()
    try:
        with i18n.using("zh"):
            made = cron.line(database, cron.schedule(None))
    finally:
        database.dispose()
    assert made.text.replace(str(tmp_path), "") == example
