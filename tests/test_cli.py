"""The seo-workbench command: template, sample and validate."""

from __future__ import annotations

import subprocess
import sys

import seo_workbench as seo
from seo_workbench import cli


def test_template_command(tmp_path, capsys):
    out = tmp_path / "mine.xlsx"
    assert cli.main(["template", str(out)]) == cli.OK
    assert out.exists() and str(out) in capsys.readouterr().out


def test_sample_command_writes_a_valid_workbook(tmp_path, capsys):
    for target in ("sample.xlsx", "sample_csv"):
        assert cli.main(["sample", str(tmp_path / target)]) == cli.OK
        assert seo.validate_workbook(tmp_path / target).ok
    capsys.readouterr()


def test_validate_command_on_the_sample(capsys):
    assert cli.main(["validate", str(seo.sample_workbook())]) == cli.OK
    out = capsys.readouterr().out
    assert "0 error(s)" in out and "cash inflow" in out and "The workbook is valid." in out


def test_console_script_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "seo_workbench", "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0
    for command in ("validate", "template", "sample", "run", "register"):
        assert command in done.stdout


def test_explore_names_a_missing_workbook(capsys, tmp_path):
    code = cli.main(["explore", "--workbook", str(tmp_path / "nope.xlsx")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
