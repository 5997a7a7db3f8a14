"""Shared fixtures: the bundled sample, and small portfolios built from tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import seo_workbench as seo

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def read_or_library(name: str) -> list[tuple[list[float], list[list[float]], list[float], float]]:
    """Instances of an OR-Library 0/1 multidimensional knapsack file (J. E. Beasley).

    Format (mknap1.txt, mknapcb1.txt): K, then per instance 'n m opt', n values, m rows of n
    weights, m capacities. Returns (values, weights, capacities, opt) per instance.
    """
    numbers = [float(x) for x in (REFERENCE / name).read_text().split()]
    count, at, instances = int(numbers[0]), 1, []
    for _ in range(count):
        n, m, opt = int(numbers[at]), int(numbers[at + 1]), numbers[at + 2]
        at += 3
        values = numbers[at:at + n]
        at += n
        weights = [numbers[at + i * n: at + (i + 1) * n] for i in range(m)]
        at += m * n
        capacities = numbers[at:at + m]
        at += m
        instances.append((values, weights, capacities, opt))
    return instances


@pytest.fixture(scope="session")
def sample_model() -> seo.PortfolioModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(seo.sample_workbook())


def write_csv_workbook(folder: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write sheet tables as a folder workbook of CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def knapsack_sheets(values, weights, capacities, *, decisions=None) -> dict[str, pd.DataFrame]:
    """A benefit-valued workbook whose periods are the knapsack's constraints.

    ``weights`` is m rows (constraints) of n item weights; each constraint becomes one period
    with ``capacities[i]`` as its budget.
    """
    n, m = len(values), len(capacities)
    ids = [f"X{j:03d}" for j in range(n)]
    periods = [f"C{i:02d}" for i in range(m)]
    decisions = decisions or {}
    projects = pd.DataFrame({
        "project_id": ids, "name": [f"Item {j}" for j in range(n)], "owner": "O",
        "department": "D", "theme": "T", "status": "proposed",
        "decision": [decisions.get(p, ("auto", ""))[0] for p in ids],
        "decision_reason": [decisions.get(p, ("auto", ""))[1] for p in ids],
        "benefit": list(values)})
    costs = pd.DataFrame({"project_id": ids})
    for i, period in enumerate(periods):
        costs[period] = [weights[i][j] for j in range(n)]
    settings = pd.DataFrame({"key": ["organisation", "currency", "periods", "value"],
                             "value": ["Test", "EUR", ",".join(periods), "benefit"]})
    budget = pd.DataFrame({"period": periods, "amount": list(capacities)})
    return {"settings": settings, "projects": projects, "costs": costs, "budget": budget}


@pytest.fixture
def knapsack_model(tmp_path):
    """Build a PortfolioModel from knapsack data through the real reader."""
    counter = iter(range(1000))

    def build(values, weights, capacities, **extra) -> seo.PortfolioModel:
        sheets = knapsack_sheets(values, weights, capacities,
                                 decisions=extra.pop("decisions", None))
        sheets.update(extra)
        folder = write_csv_workbook(tmp_path / f"wb{next(counter)}", sheets)
        return seo.read_workbook(folder)

    return build
