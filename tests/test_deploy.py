"""The scheduling recipes in deploy/: they fire once a quarter and run a command that exists.

Each recipe is read as its scheduler would read it: the cron line field by field, the systemd
units with configparser (and ``systemd-analyze`` when the machine has it), the CI files with
``yaml.safe_load``. Every ``seo-workbench`` command they contain goes through the package's own
argument parser, so a recipe cannot name a flag that does not exist.
"""

from __future__ import annotations

import configparser
import contextlib
import datetime as dt
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from seo_workbench.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
CRON = DEPLOY / "cron" / "seo-workbench.cron"
SERVICE = DEPLOY / "systemd" / "seo-workbench-quarterly.service"
TIMER = DEPLOY / "systemd" / "seo-workbench-quarterly.timer"
GITHUB = DEPLOY / "ci" / "github-actions-quarterly.yml"
GITLAB = DEPLOY / "ci" / "gitlab-ci-quarterly.yml"
README = DEPLOY / "README.md"

PLACEHOLDER = "/srv/seo-workbench"
USER = "seo"
# Two years, one of them a leap year, so a schedule cannot pass by luck of the calendar.
YEARS = (2027, 2028)
QUARTER_STARTS = {dt.datetime(year, month, 1, 6, 0) for year in YEARS for month in (1, 4, 7, 10)}

# (name, lowest, highest) of the five cron schedule fields; weekday 7 is Sunday, as 0.
CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
               ("day of week", 0, 7))
SHELL_OPERATOR = re.compile(r"^[();<>|&]+$")


def parse_cron_field(text: str, name: str, low: int, high: int) -> set[int]:
    """The values one numeric cron field matches: ``*``, ``a``, ``a-b``, lists and ``/step``.

    >>> sorted(parse_cron_field("1-12/3", "month", 1, 12))
    [1, 4, 7, 10]
    """
    values = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        if body == "*":
            start, stop = low, high
        elif "-" in body:
            start, stop = (int(x) for x in body.split("-", 1))
        else:
            start = int(body)
            stop = high if slash else start
        step = int(step_text) if slash else 1
        if not low <= start <= stop <= high or step < 1:
            raise ValueError(f"cron {name} field {text!r}: {part!r} is outside {low}-{high}")
        values.update(range(start, stop + 1, step))
    return values


def cron_firings(expression: str, years=YEARS) -> set[dt.datetime]:
    """Every minute in *years* at which a five-field cron *expression* fires.

    As cron does, when both day of month and day of week are restricted a day matches
    either of them; when one is ``*`` only the other counts.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron schedule {expression!r}: expected 5 fields, found {len(fields)}")
    minutes, hours, days, months, weekdays = (
        parse_cron_field(text, *spec) for text, spec in zip(fields, CRON_FIELDS))
    weekdays = {day % 7 for day in weekdays}
    either = not fields[2].startswith("*") and not fields[4].startswith("*")
    firings = set()
    day = dt.date(min(years), 1, 1)
    while day.year <= max(years):
        on_day, on_weekday = day.day in days, day.isoweekday() % 7 in weekdays
        if day.month in months and ((on_day or on_weekday) if either else
                                    (on_day and on_weekday)):
            firings.update(dt.datetime(day.year, day.month, day.day, hour, minute)
                           for hour in hours for minute in minutes)
        day += dt.timedelta(days=1)
    return firings


@pytest.mark.parametrize(("expression", "quarterly"), [
    ("0 6 1 1,4,7,10 *", True),
    ("0 6 1 1-12/3 *", True),
    ("0 6 1 */3 *", True),
    ("6 0 1 1,4,7,10 *", False),      # minute and hour swapped
    ("0 6 1 3,6,9,12 *", False),      # quarter ends
    ("0 6 * 1,4,7,10 1", False),      # every Monday of those months
    ("0 6 1 1,4,7,10 1", False),      # the 1st *or* a Monday
    ("0 6 1 */4 *", False),           # Jan, May, Sep
    ("*/30 6 1 1,4,7,10 *", False),   # twice
])
def test_the_cron_checker_tells_quarterly_from_not(expression, quarterly):
    assert (cron_firings(expression) == QUARTER_STARTS) is quarterly


@pytest.mark.parametrize("expression", ["0 6 1 1,4,7,10", "0 24 1 1 *", "0 6 0 1 *", "0 6 1 jan *"])
def test_the_cron_checker_rejects_invalid_schedules(expression):
    with pytest.raises(ValueError):
        cron_firings(expression)


def seo_commands(script: str) -> list[list[str]]:
    """The argv of every ``seo-workbench`` command in a shell *script*, up to its first operator.

    >>> seo_commands("cd /srv/x && flock -n l /srv/x/.venv/bin/seo-workbench run --pdf >> log 2>&1")
    [['/srv/x/.venv/bin/seo-workbench', 'run', '--pdf']]
    """
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for at, token in enumerate(tokens):
            if token == "seo-workbench" or token.endswith("/bin/seo-workbench"):
                argv, operator = [token], ""
                for word in tokens[at + 1:]:
                    if SHELL_OPERATOR.match(word):
                        operator = word
                        break
                    argv.append(word)
                if operator[:1] in "<>" and operator and argv[-1].isdigit():
                    argv.pop()  # the 2 of "2> errors.log"
                commands.append(argv)
    return commands


def parse_command(argv: list[str], where: str):
    """Parse *argv* with the package's own parser, failing the test with argparse's message."""
    assert Path(argv[0]).name == "seo-workbench", f"{where}: {argv[0]!r} is not seo-workbench"
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{where}: `{shlex.join(argv)}` is not a valid seo-workbench command: "
                    f"{stderr.getvalue().strip()}")


def read_cron_file(path: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """The environment lines and the (schedule, user, command) jobs of an /etc/cron.d file."""
    environment, jobs = {}, []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            name, _, value = line.partition("=")
            environment[name.strip()] = value.strip()
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, f"{path.name}: a job line needs 5 schedule fields, a user and " \
                                 f"a command; found {line!r}"
        jobs.append((" ".join(fields[:5]), fields[5], fields[6]))
    return environment, jobs


def cron_job() -> tuple[dict[str, str], str, str, str]:
    environment, jobs = read_cron_file(CRON)
    assert len(jobs) == 1, f"{CRON.name}: expected one job, found {len(jobs)}"
    return environment, *jobs[0]


def read_unit(path: Path) -> configparser.ConfigParser:
    """A systemd unit file as configparser reads it: case-sensitive keys, no interpolation."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string(path.read_text(), source=str(path))
    return unit


def unit_values(path: Path, section: str, key: str) -> list[str]:
    """Every value of *key* in *section*; systemd, unlike configparser, keeps repeated keys."""
    values, current = [], None
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.partition("=")[0].strip() == key:
            values.append(line.partition("=")[2].strip())
    return values


def workflow_triggers(workflow: dict) -> dict:
    # YAML 1.1 reads a bare `on` key as the boolean True.
    return workflow.get("on", workflow.get(True))


def readme_commands() -> list[list[str]]:
    blocks = re.findall(r"^```(?:sh|bash|console)?\n(.*?)^```", README.read_text(),
                        flags=re.MULTILINE | re.DOTALL)
    return [argv for block in blocks for argv in seo_commands(block)]


def recipe_commands() -> dict[str, list[list[str]]]:
    """Where each recipe keeps its commands -> the seo-workbench commands found there."""
    github = yaml.safe_load(GITHUB.read_text())
    gitlab = yaml.safe_load(GITLAB.read_text())
    return {
        "cron": seo_commands(cron_job()[3]),
        "systemd": seo_commands(read_unit(SERVICE)["Service"]["ExecStart"]),
        "github": [argv for job in github["jobs"].values() for step in job["steps"]
                   for argv in seo_commands(step.get("run", ""))],
        "gitlab": [argv for job in gitlab.values() if isinstance(job, dict)
                   for line in job.get("script", []) for argv in seo_commands(line)],
    }


@pytest.mark.parametrize("recipe", ["cron", "systemd", "github", "gitlab"])
def test_each_recipe_runs_the_current_quarter_with_flags_the_parser_knows(recipe):
    commands = recipe_commands()[recipe]
    assert len(commands) == 1, f"{recipe}: expected one seo-workbench command, found {commands}"
    args = parse_command(commands[0], recipe)
    assert args.command == "run"
    assert args.quarter == "current", f"{recipe}: schedule the current quarter, not a fixed one"
    assert args.log_output, f"{recipe}: without --log-output the notebooks' output is lost"
    assert args.workbook is not None, f"{recipe}: name the workbook, not the bundled sample"
    assert "--out" in commands[0]


def test_the_readme_shows_how_to_run_validate_and_rerun():
    assert {argv[1] for argv in readme_commands()} >= {"run", "validate", "rerun"}


@pytest.mark.parametrize("argv", readme_commands(), ids=lambda argv: argv[1])
def test_every_command_in_the_readme_parses(argv):
    parse_command(argv, "deploy/README.md")


def test_the_cron_line_fires_at_0600_on_the_first_day_of_each_quarter():
    _, schedule, user, _ = cron_job()
    assert cron_firings(schedule) == QUARTER_STARTS
    assert user == USER


def test_the_cron_job_sets_its_environment_and_cannot_overlap():
    environment, _, _, command = cron_job()
    argv = seo_commands(command)[0]
    venv_bin = str(Path(argv[0]).parent)
    assert environment["PATH"].split(":")[0] == venv_bin, "PATH starts with the venv"
    assert environment["SHELL"] == "/bin/sh"
    assert command.startswith(f"cd {PLACEHOLDER} && flock -n "), \
        "the job changes to the checkout and takes the lock before anything else"
    assert re.search(r">> \S+\.log 2>&1", command), "output and errors are appended to a log"
    # cron turns an unescaped % into a newline and feeds the rest to stdin.
    assert not re.search(r"(?<!\\)%", command)


def test_the_service_is_a_hardened_oneshot_that_reports_every_failure():
    service = read_unit(SERVICE)["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == USER
    assert service["WorkingDirectory"] == PLACEHOLDER
    exec_start = service["ExecStart"]
    assert exec_start.startswith("/"), "a '-' or other prefix would hide a failed run"
    assert "%" not in exec_start.replace("%%", ""), "systemd reads % as a specifier"
    argv = seo_commands(exec_start)[0]
    assert argv[0] == f"{PLACEHOLDER}/.venv/bin/seo-workbench"
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    writable = [Path(p.lstrip("-")) for value in unit_values(SERVICE, "Service", "ReadWritePaths")
                for p in value.split()]
    out = Path(parse_command(argv, "systemd").out)
    assert any(out == p or p in out.parents for p in writable), \
        f"--out {out} must be in ReadWritePaths, or ProtectSystem=strict makes it read-only"
    hidden = {"1", "2", "3", "4"} & set(service.get("SuccessExitStatus", "").split())
    assert not hidden, f"SuccessExitStatus hides failures: exit codes {sorted(hidden)}"
    environment = " ".join(unit_values(SERVICE, "Service", "Environment"))
    assert f"PATH={PLACEHOLDER}/.venv/bin:" in environment
    assert "TimeoutStartSec" in service, "a hung run must end, not hold the unit for ever"


def test_the_timer_starts_the_service_quarterly_and_catches_up():
    timer = read_unit(TIMER)
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert timer["Timer"]["OnCalendar"]


def test_systemd_reads_the_timer_as_quarterly():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: cannot ask systemd to read OnCalendar")
    expression = read_unit(TIMER)["Timer"]["OnCalendar"]
    done = subprocess.run(["systemd-analyze", "calendar", "--iterations=8", expression],
                          capture_output=True, text=True, env=os.environ | {"TZ": "UTC"})
    assert done.returncode == 0, done.stderr
    # "Next elapse: Fri 2027-01-01 06:00:00 UTC", then "Iter. #2: ...", in the local (UTC) time.
    elapses = [dt.datetime.fromisoformat(f"{day}T{time}") for day, time in re.findall(
        r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)", done.stdout)]
    assert len(elapses) == 8, done.stdout
    assert all(e.month in (1, 4, 7, 10) and (e.day, e.hour, e.minute, e.second) == (1, 6, 0, 0)
               for e in elapses), done.stdout
    months = [e.year * 12 + e.month for e in elapses]
    assert [b - a for a, b in zip(months, months[1:])] == [3] * 7, done.stdout


def test_systemd_verifies_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: cannot ask systemd to verify the units")
    srv = tmp_path / "srv"
    (srv / "reports").mkdir(parents=True)
    binary = Path(sys.executable).parent / "seo-workbench"
    for unit in (SERVICE, TIMER):
        text = unit.read_text().replace(f"{PLACEHOLDER}/.venv/bin/seo-workbench", str(binary))
        (tmp_path / unit.name).write_text(text.replace(PLACEHOLDER, str(srv)))
    done = subprocess.run(["systemd-analyze", "verify", SERVICE.name, TIMER.name],
                          cwd=tmp_path, capture_output=True, text=True)
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if SERVICE.name in line or TIMER.name in line]
    assert done.returncode == 0 and not complaints, done.stdout + done.stderr


def test_github_actions_runs_quarterly_on_python_311_and_keeps_the_reports():
    workflow = yaml.safe_load(GITHUB.read_text())
    triggers = workflow_triggers(workflow)
    assert "workflow_dispatch" in triggers
    [schedule] = triggers["schedule"]
    assert cron_firings(schedule["cron"]) == QUARTER_STARTS
    [job] = workflow["jobs"].values()
    assert not job.get("continue-on-error")
    steps = job["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert "actions/checkout" in uses
    # Unquoted, 3.10 would be read as 3.1; the version must stay a string.
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    runs = [step for step in steps if "run" in step]
    assert any(re.search(r"\bmake env\b|\bpip install\b", step["run"]) for step in runs)
    [run_step] = [step for step in runs if seo_commands(step["run"])]
    assert not run_step.get("continue-on-error")
    assert not re.search(r"\|\|\s*true|set \+e", run_step["run"]), "a failure must fail the job"
    out = parse_command(seo_commands(run_step["run"])[0], "github").out
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()", "upload the reports also when the run failed"
    assert Path(upload["with"]["path"]) == Path(out)


def test_gitlab_runs_the_job_on_its_schedule_and_keeps_the_reports():
    pipeline = yaml.safe_load(GITLAB.read_text())
    [job] = [job for job in pipeline.values() if isinstance(job, dict) and "script" in job]
    assert job["image"].startswith("python:3.11")
    assert any('$CI_PIPELINE_SOURCE == "schedule"' in rule.get("if", "") for rule in job["rules"])
    assert cron_firings(job["variables"]["QUARTERLY_CRON"]) == QUARTER_STARTS
    assert not job.get("allow_failure")
    assert any(re.search(r"\bmake env\b|\bpip install\b", line) for line in job["script"])
    [argv] = [argv for line in job["script"] for argv in seo_commands(line)]
    out = parse_command(argv, "gitlab").out
    assert job["artifacts"]["when"] == "always"
    assert Path(out) in [Path(p) for p in job["artifacts"]["paths"]]


def test_the_readme_covers_every_exit_code_and_the_manifest_status():
    text = README.read_text()
    for code in ("0", "1", "2", "3", "4", "75"):
        assert re.search(rf"^\| {code} \|", text, flags=re.MULTILINE), f"exit code {code}"
    assert '"succeeded"' in text and "seo-workbench rerun" in text


@pytest.mark.slow
def test_the_cron_command_writes_a_succeeded_board_pack(tmp_path, sample_model):
    """Run the cron line as cron would (sh, its PATH, the lock, the log), on the bundled sample.

    The schedule's ``--quarter current`` becomes the sample's first quarter: the sample plans
    fixed quarters, and today's calendar quarter need not be one of them.
    """
    if shutil.which("flock") is None:
        pytest.skip("flock (util-linux) is not installed")
    environment, _, _, command = cron_job()
    command, alert = command.split(" || ", 1)  # the alert line only matters to cron's mail
    assert alert.startswith("echo ")
    venv_bin = str(Path(sys.executable).parent)
    (tmp_path / "logs").mkdir()

    def local(text: str) -> str:
        text = text.replace(f"{PLACEHOLDER}/.venv/bin", venv_bin)
        return text.replace(PLACEHOLDER, str(tmp_path)).replace("/run/lock/", f"{tmp_path}/")

    command = re.sub(r" --workbook \S+", "", local(command))  # no --workbook: the sample
    command = command.replace("--quarter current", f"--quarter {sample_model.periods[0]}")
    env = {"PATH": local(environment["PATH"]), "SHELL": environment["SHELL"],
           "HOME": os.environ.get("HOME", str(tmp_path)), "LOGNAME": USER}
    done = subprocess.run([environment["SHELL"], "-c", command], env=env, capture_output=True,
                          text=True, timeout=600)
    log = (tmp_path / "logs" / "quarterly.log").read_text()
    assert done.returncode == 0, log[-3000:]
    [run_dir] = [p for p in (tmp_path / "reports" / sample_model.periods[0]).iterdir()
                 if p.is_dir()]
    assert (run_dir / "board.html").is_file()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded", manifest.get("error")
    assert run_dir.name in log, "the run's progress lines went to the cron log"
