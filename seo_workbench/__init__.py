"""seo-workbench: decision analysis for a Strategy Execution Office.

Data flows one way, each step a function returning an immutable result::

    read_workbook -> score -> select_portfolio -> charts / report
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    app,
    changes,
    charts,
    decisions,
    execution,
    focus,
    frontier,
    register,
    report,
    robustness,
    scenario,
    schema,
    weights,
)
from .agreement import MethodAgreement, compare_methods
from .alignment import AlignmentResult, align
from .changes import QuarterChangeResult, compare_quarters
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
from .register import DecisionRegister
from .scoring import SCORING_METHODS, ScoreResult, score
from .template import write_template
from .workbook import (
    PortfolioModel,
    read_workbook,
    sample_workbook,
    validate_workbook,
    write_workbook,
)

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
    "validate_workbook",
    "weights",
    "write_template",
    "write_workbook",
]
