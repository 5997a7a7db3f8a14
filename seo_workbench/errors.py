"""One family of exceptions and warnings, so callers can catch what the workbench raises.

Every message says where the problem is, what was expected, what was found and, when we know
it, how to fix it.
"""

from __future__ import annotations

__all__ = [
    "InfeasiblePortfolioError",
    "RegisterError",
    "RunError",
    "UnknownChoiceError",
    "ValidationError",
    "WorkbenchError",
    "WorkbenchWarning",
    "WorkbookError",
    "choose",
]


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose."""


class WorkbookError(WorkbenchError):
    """The portfolio workbook cannot be read or is not valid.

    ``report`` holds every problem found (a :class:`~seo_workbench.validate.ValidationReport`),
    so an analyst can fix the workbook in one pass.
    """

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class ValidationError(WorkbenchError, ValueError):
    """An argument passed to a workbench function is not valid (parameters, options)."""


class UnknownChoiceError(ValidationError):
    """A name (method, solver, ...) is not one of the registered choices."""


class InfeasiblePortfolioError(WorkbenchError):
    """No portfolio satisfies every constraint; the message says which ones collide."""


class RunError(WorkbenchError):
    """A quarterly run failed; the message names the failing notebook cell and the kept output."""


class RegisterError(WorkbenchError):
    """The decision register cannot be opened or written; the message says what to check."""


class WorkbenchWarning(UserWarning):
    """A soft problem that the workbench corrected, saying what it did."""


def choose(registry, name: str, what: str):
    """Return ``registry[name]``, or raise :class:`UnknownChoiceError` listing the choices.

    Matching ignores case and surrounding spaces.

    >>> choose({"highs": 1, "cbc": 2}, "HiGHS", what="solver")
    1
    """
    key = str(name).strip().lower()
    lowered = {str(k).lower(): v for k, v in registry.items()}
    if key in lowered:
        return lowered[key]
    options = ", ".join(sorted(str(k) for k in registry))
    raise UnknownChoiceError(f"Unknown {what} {name!r}. Choose one of: {options}.")
