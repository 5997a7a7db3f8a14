# seo-workbench: `make demo` and `make test` do everything on a fresh machine (Python 3.11+).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-core
LAB_STAMP := $(VENV)/.installed-lab
QUARTER ?= 2027Q1
OUT ?= reports
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.DEFAULT_GOAL := help
.PHONY: help env demo report lab lint format test pytest notebooks template sample docs clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e ".[dev]"
	touch $@

## env: create .venv and install the package with its test tools
env: $(STAMP)

## demo: run the bundled sample's two quarters (2026Q4, then 2027Q1 compared with it) and print where the board pack is
demo: env
	@echo "Previous quarter first: 2026Q4 (reports in $(OUT)/2026Q4)"
	@$(BIN)/seo-workbench run --quarter 2026Q4 --workbook seo_workbench/data/sample_2026q4 --out $(OUT) > /dev/null
	$(BIN)/seo-workbench run --quarter $(QUARTER) --out $(OUT)

## report: as demo, for your own workbook (make report WORKBOOK=path QUARTER=2027Q1), plus a PDF when Chromium is on PATH
report: env
	$(BIN)/seo-workbench run --quarter $(QUARTER) --out $(OUT) $(if $(WORKBOOK),--workbook $(WORKBOOK)) --pdf

$(LAB_STAMP): $(STAMP)
	$(PIP) install -e ".[lab,dev]"
	touch $@

## lab: install JupyterLab and open the notebooks
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/

## lint: ruff on the package, tests, tools and benchmarks
lint: env
	$(BIN)/ruff check seo_workbench tests tools benchmarks

## format: apply ruff's import sorting and safe fixes
format: env
	$(BIN)/ruff check --fix seo_workbench tests tools benchmarks

## test: lint, unit and end-to-end tests with doctests, then the notebook checks
test: lint pytest notebooks

pytest: env
	$(BIN)/python -m pytest seo_workbench tests || [ $$? -eq 5 ]

## notebooks: every notebook runs top to bottom on the sample (nbval, lax)
notebooks: env
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/ || [ $$? -eq 5 ]

## template: regenerate templates/portfolio_workbook.xlsx from the schema
template: env
	$(BIN)/seo-workbench template templates/portfolio_workbook.xlsx

## sample: regenerate the bundled sample CSVs from tools/make_sample.py
sample: env
	$(BIN)/python tools/make_sample.py

## docs: regenerate the workbook-contract tables in README.md from the schema
docs: env
	$(BIN)/python tools/update_readme.py

## clean: remove build products and reports (keeps .venv)
clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache $(OUT)
