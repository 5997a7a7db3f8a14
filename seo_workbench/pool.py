"""Workers for solves that run side by side: portfolio robustness, the frontier, prices.

A :class:`~seo_workbench.workbook.PortfolioModel` travels to a worker process as a plain
payload (:func:`model_payload`, rebuilt by :func:`model_from`); the local pool starts its
workers clean, never by fork (see :func:`local_pool`). Small models are solved side by side on
threads of this process instead (:func:`local_threads`): HiGHS lets go of the interpreter
while it solves, and starting processes that import the package costs seconds.
"""

from __future__ import annotations

import concurrent.futures
import os
from types import MappingProxyType


def model_payload(model) -> tuple:
    """What a worker needs to rebuild the model (the model itself holds mapping proxies)."""
    return (model.source, model.sha256, model.settings, dict(model.tables), model.problems,
            dict(model.file_hashes))


def model_from(payload):
    """The model again, in a worker, from :func:`model_payload`."""
    from .workbook import PortfolioModel

    source, sha, settings, tables, problems, files = payload
    return PortfolioModel(source, sha, settings, MappingProxyType(tables), problems,
                          MappingProxyType(files))


def local_pool(workers: int | None = None) -> concurrent.futures.ProcessPoolExecutor:
    """*workers* processes (default one per CPU), started clean (forkserver, else spawn).

    Not fork: a process forked after HiGHS has run (the baseline solve) inherits its thread
    pool in a broken state, and the solver then spins for ever. The fork server preloads the
    package once per session, so later pools start in a fraction of a second.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["seo_workbench.robustness", "seo_workbench.frontier"])
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                  mp_context=context)


def worker_count(executor) -> int:
    """How many solves *executor* runs at once: a pool's workers, a Dask cluster's threads."""
    count = getattr(executor, "_max_workers", None)
    if count:
        return int(count)
    client = getattr(executor, "_client", None)  # a Dask distributed ClientExecutor
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # an unreachable scheduler should not stop the run here
            return 1
    return os.cpu_count() or 1

#: Below this many projects independent solves run side by side on threads of this process
#: (:func:`local_threads`; a solve takes a tenth of a second); larger models, whose build
#: holds the interpreter for longer, one after another or on worker processes.
SIDE_BY_SIDE_BELOW = 200


def on_threads(solver: str, projects: int | None = None) -> bool:
    """Whether independent solves with *solver* on *projects* run side by side on threads.

    HiGHS does, for models under :data:`SIDE_BY_SIDE_BELOW` projects (any size when
    *projects* is None); CBC never: PuLP starts it under ``warnings.catch_warnings``, which is
    not safe across threads.

    >>> on_threads("HiGHS", 48), on_threads(" cbc", 48), on_threads("HiGHS", 500)
    (True, False, False)
    """
    small = projects is None or projects < SIDE_BY_SIDE_BELOW
    return small and str(solver).strip().lower() != "cbc"


def _one_thread_solver() -> None:
    from .portfolio import _solve_here_single_threaded

    _solve_here_single_threaded()


def local_threads(workers: int | None = None) -> concurrent.futures.ThreadPoolExecutor:
    """*workers* threads (default one per CPU) whose HiGHS solves each run on one thread.

    What runs there must not enter ``warnings.catch_warnings`` (it is not safe across
    threads): set the filters once, in the calling thread.
    """
    return concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                 thread_name_prefix="seo-solve",
                                                 initializer=_one_thread_solver)
