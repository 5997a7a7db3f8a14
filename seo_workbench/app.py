"""The trade-off explorer as a Voilà app: on 127.0.0.1, code hidden, nothing fetched from outside.

``seo-workbench explore [--workbook PATH]`` serves ``notebooks/explore.ipynb`` with Voilà (the
optional ``app`` extra). Voilà's own page template links two Font Awesome stylesheets from a
public CDN; offline they fail and online they leak the analyst's address, so the app runs on a
template of ours that is Voilà's ``lab`` template without those two links (widget icons are not
used by the explorer). The workbook reaches the notebook through the environment variable
:data:`WORKBOOK_ENV`, since Voilà passes no parameters.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .errors import RunError, ValidationError

__all__ = ["WORKBOOK_ENV", "explore_command", "serve_explorer", "start_explorer", "workbook_path"]

#: Environment variable that carries the workbook path to the explorer notebook under Voilà.
WORKBOOK_ENV = "SEO_WORKBENCH_WORKBOOK"
TEMPLATE = "seo-offline"
_CDN = "cdn.jsdelivr.net"


def workbook_path(given: str = "") -> str:
    """The explorer's workbook: *given*, else the one the app was started with, else "".

    >>> workbook_path("portfolio.xlsx")
    'portfolio.xlsx'
    """
    return str(given or os.environ.get(WORKBOOK_ENV, ""))


def _voila_lab_template() -> Path:
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:  # pragma: no cover - jupyter_core comes with papermill
        jupyter_path = None
    candidates = [Path(p) / "voila" / "templates" / "lab" / "index.html.j2"
                  for p in (jupyter_path() if jupyter_path else [])]
    candidates.append(Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab"
                      / "index.html.j2")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RunError("Voilà is not installed (or its 'lab' template is missing). Install the "
                   "explorer's extra: pip install 'seo-workbench[app]'.")


def offline_template(root: Path) -> Path:
    """Write our offline Voilà template under *root* (a Jupyter data dir); return *root*.

    Voilà's ``lab`` index without its CDN stylesheet links; every other file is inherited
    from ``lab`` through ``conf.json``.
    """
    source = _voila_lab_template().read_text()
    kept = "\n".join(line for line in source.splitlines() if _CDN not in line)
    target = root / "voila" / "templates" / TEMPLATE
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html.j2").write_text(kept + "\n")
    (target / "conf.json").write_text('{"base_template": "lab"}\n')
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explore_command(notebook: Path, port: int, open_browser: bool = False) -> list[str]:
    """The Voilà command line that serves *notebook* on 127.0.0.1:*port*, code hidden."""
    command = [sys.executable, "-m", "voila", str(notebook), f"--port={port}",
               "--Voila.ip=127.0.0.1", f"--template={TEMPLATE}", "--strip_sources=True",
               "--show_tracebacks=False"]
    if not open_browser:
        command.append("--no-browser")
    return command


def _environment(workbook: str | Path | None, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(data_dir), env.get("JUPYTER_PATH", "")) if p)
    if workbook:
        path = Path(workbook).expanduser().resolve()
        if not path.exists():
            raise ValidationError(f"Workbook {str(workbook)!r} does not exist. Pass an .xlsx "
                                  "file or a folder of .csv files, or leave --workbook out "
                                  "for the bundled sample.")
        env[WORKBOOK_ENV] = str(path)
    else:
        env.pop(WORKBOOK_ENV, None)
    return env


def _notebook() -> Path:
    from .report import notebooks_dir

    return notebooks_dir() / "explore.ipynb"


@contextlib.contextmanager
def start_explorer(workbook: str | Path | None = None, port: int | None = None,
                   timeout: float = 60.0) -> Iterator[str]:
    """Start the explorer app in the background; yield its URL; stop it on exit.

    Raises
    ------
    RunError
        When Voilà is missing or the server did not answer within *timeout* seconds.
    """
    port = port or _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="seo_voila_"))
    try:
        offline_template(data_dir)
        env = _environment(workbook, data_dir)
        log = data_dir / "voila.log"
        with open(log, "w") as out:
            server = subprocess.Popen(explore_command(_notebook(), port), env=env,
                                      stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    raise RunError("The explorer app stopped while starting:\n"
                                   + log.read_text()[-2000:])
                try:
                    urllib.request.urlopen(url, timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RunError(f"The explorer app did not answer at {url} within "
                                       f"{timeout:.0f} s. Its log:\n"
                                       + log.read_text()[-2000:]) from None
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def serve_explorer(workbook: str | Path | None = None, port: int = 8866,
                   open_browser: bool = False) -> int:
    """Serve the explorer until interrupted (the ``seo-workbench explore`` command)."""
    with tempfile.TemporaryDirectory(prefix="seo_voila_") as tmp:
        data_dir = offline_template(Path(tmp))
        env = _environment(workbook, data_dir)
        print(f"Trade-off explorer on http://127.0.0.1:{port}/ (Ctrl+C stops it)", flush=True)
        try:
            return subprocess.call(explore_command(_notebook(), port, open_browser), env=env)
        except KeyboardInterrupt:
            return 0
