"""seo-workbench: decision analysis for a Strategy Execution Office.

Data flows one way, each step a function returning an immutable result::

    read_workbook -> score -> select_portfolio -> charts / report
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from . import (
    charts,
    decisions,
    execution,
    focus,
    frontier,
    report,
    robustness,
    schema,
    summary,
    weights,
)
from .alignment import AlignmentResult, align
from .errors import (
    InfeasiblePortfolioError,
    RegisterError,
    RunError,
    UnknownChoiceError,
    ValidationError,
    WorkbenchError,
    WorkbenchWarning,
    WorkbookError,
)
from .execution import ContinuationResult, ExecutionResult, continuation, execution_status
from .focus import FocusResult, measure_focus
from .portfolio import SOLVERS, PortfolioResult, select_portfolio
from .scoring import SCORING_METHODS, ScoreResult, score
from .workbook import (
    PortfolioModel,
    read_workbook,
    sample_workbook,
    validate_workbook,
    write_workbook,
)

# Imported on first use, so a notebook or a worker process does not pay for what it never
# touches (SQLAlchemy, openpyxl's writer, scipy.stats, Voila's launcher).
_LAZY = {
    "app": ("app", None), "changes": ("changes", None), "register": ("register", None),
    "scenario": ("scenario", None), "template": ("template", None),
    "MethodAgreement": ("agreement", "MethodAgreement"),
    "compare_methods": ("agreement", "compare_methods"),
    "QuarterChangeResult": ("changes", "QuarterChangeResult"),
    "compare_quarters": ("changes", "compare_quarters"),
    "DecisionRegister": ("register", "DecisionRegister"),
    "write_template": ("template", "write_template"),
}


def __getattr__(name: str):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    found = import_module(f".{module}", __name__)
    value = found if attribute is None else getattr(found, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


try:
    __version__ = version("seo-workbench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "AlignmentResult",
    "ContinuationResult",
    "DecisionRegister",
    "ExecutionResult",
    "FocusResult",
    "SCORING_METHODS",
    "SOLVERS",
    "InfeasiblePortfolioError",
    "RegisterError",
    "MethodAgreement",
    "PortfolioModel",
    "PortfolioResult",
    "RunError",
    "ScoreResult",
    "UnknownChoiceError",
    "ValidationError",
    "WorkbenchError",
    "WorkbenchWarning",
    "WorkbookError",
    "QuarterChangeResult",
    "align",
    "app",
    "changes",
    "charts",
    "compare_quarters",
    "compare_methods",
    "continuation",
    "decisions",
    "execution",
    "execution_status",
    "focus",
    "frontier",
    "measure_focus",
    "read_workbook",
    "register",
    "report",
    "robustness",
    "sample_workbook",
    "scenario",
    "schema",
    "score",
    "select_portfolio",
    "summary",
    "validate_workbook",
    "weights",
    "write_template",
    "write_workbook",
]
