"""The workbook reader and writer: the bundled sample, round trips, and an immutable model."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import seo_workbench as seo


def read(path) -> seo.PortfolioModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(path)


def assert_same_model(a: seo.PortfolioModel, b: seo.PortfolioModel) -> None:
    assert a.settings == b.settings
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=False,
                                      check_index_type=False, check_column_type=False,
                                      obj=f"table {name}")


@pytest.mark.parametrize("target", ["sample.xlsx", "sample_csv"])
def test_sample_round_trips_to_the_same_model(sample_model, tmp_path, target):
    written = seo.write_workbook(sample_model, tmp_path / target)
    again = read(written)
    assert_same_model(sample_model, again)
    # and back once more through the other format
    other = "again_csv" if target.endswith(".xlsx") else "again.xlsx"
    assert_same_model(sample_model, read(seo.write_workbook(again, tmp_path / other)))


def test_sample_is_realistic_and_interesting(sample_model):
    projects = sample_model.projects
    assert 40 <= len(projects) <= 60
    assert set(projects["status"]) == {"proposed", "in_flight"}
    assert 5 <= projects["department"].nunique() <= 6
    assert 4 <= projects["theme"].nunique() <= 6
    criteria = sample_model.criteria
    assert 5 <= len(criteria) <= 8 and "min" in set(criteria["objective"])
    assert len(sample_model.periods) == 8
    assert 3 <= sample_model.table("capacity")["pool"].nunique() <= 4
    assert set(sample_model.table("dependencies")["kind"]) == {"requires", "excludes", "with"}
    assert 3 <= sample_model.table("judgements")["executive"].nunique() <= 5
    assert sample_model.table("status")["period"].nunique() == 3
    assert sample_model.table("benefits")["project_id"].nunique() >= 8
    # Asking for more than the budget is what makes selection a decision.
    assert sample_model.costs.to_numpy().sum() > 1.3 * sample_model.budget.sum()


def test_model_is_immutable(sample_model):
    projects = sample_model.projects
    projects.loc[projects.index[0], "name"] = "changed"
    assert sample_model.projects["name"].iloc[0] != "changed"
    with pytest.raises(AttributeError):
        sample_model.settings = None
    with pytest.raises(TypeError):
        sample_model.tables["projects"] = projects


def test_model_describes_itself(sample_model):
    assert "Northbridge Utilities Group" in sample_model._repr_html_()
    summary = sample_model.summary()
    assert summary.loc["projects", "rows"] == len(sample_model.projects)
    assert sample_model.weights.sum() == pytest.approx(1.0)
    assert len(sample_model.sha256) == 64


def test_hash_identifies_the_input(sample_model, tmp_path):
    folder = seo.write_workbook(sample_model, tmp_path / "copy")
    first = read(folder).sha256
    budget = pd.read_csv(folder / "budget.csv")
    budget.loc[0, "amount"] += 100_000
    budget.to_csv(folder / "budget.csv", index=False)
    assert read(folder).sha256 != first


def test_benefit_valued_workbook_uses_the_benefit_column(sample_model, tmp_path):
    sheets = sample_model.to_sheets()
    settings = sheets["settings"].set_index("key")
    settings.loc["value", "value"] = "benefit"
    sheets["settings"] = settings.reset_index()
    folder = tmp_path / "benefit"
    folder.mkdir()
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    model = read(folder)
    values = model.project_values()
    assert values.equals(model.projects["benefit"].rename("value"))
    result = seo.select_portfolio(model, values)
    assert result.value == pytest.approx(model.projects.loc[list(result.selected),
                                                            "benefit"].sum())
