"""The Excel template, generated from the same schema as the validator.

:func:`write_template` writes a blank workbook (or a filled one, for :func:`write_workbook`) with
styled headers, a help comment on every column, drop-down lists for every enumeration and a
README sheet that documents each column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from . import schema
from .schema import CHOICE, INTEGER, NUMBER

__all__ = ["write_template"]

NAVY = "1F3A5F"
_HEADER_FILL = PatternFill("solid", fgColor=NAVY)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=16, color=NAVY)
_BOLD = Font(bold=True)
_VALIDATED_ROWS = 1000  # drop-downs and number checks cover this many data rows
_WIDE_HELP = {
    "criteria": "Add one column per criterion_id of sheet 'criteria' (e.g. strategic_fit), "
                "holding each project's score.",
    "periods": "Add one column per period label of settings 'periods' (e.g. 2027Q1), holding "
               "the project's spend in that period.",
}


def _help(spec: schema.Sheet, column: schema.Column) -> str:
    need = "required column" if column.required else "optional column"
    blank = "; may be blank" if column.blank_ok else ""
    example = f"\nExample: {column.example}" if column.example else ""
    return f"{column.help}\n({need}: {column.expected}{blank}){example}"


def _style_header(ws, headers: list[str], comments: Mapping[str, str]) -> None:
    for i, name in enumerate(headers, 1):
        cell = ws.cell(row=1, column=i, value=name)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if name in comments:
            cell.comment = Comment(comments[name], "seo-workbench", width=320, height=140)
        ws.column_dimensions[get_column_letter(i)].width = max(14, min(40, len(name) + 6))
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
    ws.row_dimensions[1].height = 30


def _validations(ws, spec: schema.Sheet, headers: list[str]) -> None:
    for column in spec.columns:
        if column.name not in headers:
            continue
        letter = get_column_letter(headers.index(column.name) + 1)
        cells = f"{letter}2:{letter}{_VALIDATED_ROWS + 1}"
        if column.kind == CHOICE:
            rule = DataValidation(type="list", formula1=f"={_list_name(column)}",
                                  allow_blank=column.blank_ok)
        elif column.kind in (NUMBER, INTEGER) and column.minimum is not None:
            kind = "whole" if column.kind == INTEGER else "decimal"
            if column.maximum is not None:
                rule = DataValidation(type=kind, operator="between",
                                      formula1=str(column.minimum), formula2=str(column.maximum))
            else:
                rule = DataValidation(type=kind, operator="greaterThanOrEqual",
                                      formula1=str(column.minimum))
        else:
            continue
        rule.error = f"Expected {column.expected}."
        rule.errorTitle = f"{spec.name}.{column.name}"
        rule.prompt = column.help
        rule.showErrorMessage = rule.showInputMessage = True
        ws.add_data_validation(rule)
        rule.add(cells)


def _list_name(column: schema.Column) -> str:
    return "list_" + column.name


def _lists_sheet(book: Workbook) -> None:
    """A hidden sheet holding every enumeration, referenced by defined names."""
    ws = book.create_sheet("Lists")
    ws.sheet_state = "hidden"
    choices = {}
    for spec in schema.SHEETS:
        for column in spec.columns:
            if column.kind == CHOICE:
                choices[_list_name(column)] = column.choices
    for setting in schema.SETTINGS:
        if setting.kind == CHOICE:
            choices["list_setting_" + setting.key] = setting.choices
    for i, (name, values) in enumerate(sorted(choices.items()), 1):
        letter = get_column_letter(i)
        ws.cell(row=1, column=i, value=name).font = _BOLD
        for j, value in enumerate(values, 2):
            ws.cell(row=j, column=i, value=value)
        ref = f"Lists!${letter}$2:${letter}${len(values) + 1}"
        book.defined_names[name] = DefinedName(name, attr_text=ref)


def _readme(book: Workbook) -> None:
    ws = book.active
    ws.title = "README"
    ws["A1"] = "Portfolio workbook for seo-workbench"
    ws["A1"].font = _TITLE_FONT
    lines = [
        "Fill in one sheet per topic. Sheet and column names are fixed: do not rename them.",
        "Hover over a column header to read what it holds. Drop-down lists show allowed values.",
        "Required sheets: settings, projects, costs, budget, and criteria and scores when "
        "settings 'value' is 'score'. The others are optional.",
        "Check the workbook with:  seo-workbench validate THIS_FILE.xlsx",
        "Then run the quarter with:  seo-workbench run --quarter 2027Q1 --workbook THIS_FILE.xlsx",
    ]
    for i, line in enumerate(lines, 3):
        ws.cell(row=i, column=1, value=line)
    row = len(lines) + 4
    for col, title in enumerate(("sheet", "column", "required", "what it holds"), 1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
    for spec in schema.SHEETS:
        row += 1
        ws.cell(row=row, column=1, value=spec.name).font = _BOLD
        ws.cell(row=row, column=4, value=spec.help)
        entries = [(c.name, "yes" if c.required else "no", f"{c.help} ({c.expected})")
                   for c in spec.columns]
        if spec.wide:
            one = "period" if spec.wide == "periods" else "criterion"
            entries.append((f"<one per {one}>",
                            "yes", _WIDE_HELP[spec.wide]))
        if spec.name == "settings":
            entries += [(f"key = {s.key}", "yes" if s.required else "no", s.help)
                        for s in schema.SETTINGS]
        for name, required, text in entries:
            row += 1
            ws.cell(row=row, column=2, value=name)
            ws.cell(row=row, column=3, value=required)
            ws.cell(row=row, column=4, value=text)
    for letter, width in zip("ABCD", (16, 26, 10, 110)):
        ws.column_dimensions[letter].width = width


def write_template(path: str | Path, sheets: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the portfolio workbook template to *path* (an ``.xlsx`` file).

    With *sheets* (sheet name -> DataFrame in the workbook layout) the template is filled with
    that data; without, every sheet is empty but for its header and the settings keys.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    book = Workbook()
    _readme(book)
    for spec in schema.SHEETS:
        frame = None if sheets is None else sheets.get(spec.name)
        if sheets is not None and frame is None:
            continue
        ws = book.create_sheet(spec.name)
        headers = list(spec.names) if frame is None else [str(c) for c in frame.columns]
        comments = {c.name: _help(spec, c) for c in spec.columns}
        if spec.wide:
            extra = [h for h in headers if h not in spec.names]
            for h in extra:
                comments[h] = _WIDE_HELP[spec.wide]
            comments[spec.columns[0].name] += "\n\n" + _WIDE_HELP[spec.wide]
        _style_header(ws, headers, comments)
        if spec.name == "settings" and frame is None:
            for i, setting in enumerate(schema.SETTINGS, 2):
                ws.cell(row=i, column=1, value=setting.key)
                ws.cell(row=i, column=2).comment = Comment(
                    f"{setting.help}\nExample: {setting.example}", "seo-workbench", width=320,
                    height=120)
                if setting.kind == CHOICE:
                    rule = DataValidation(type="list", formula1="=list_setting_" + setting.key)
                    ws.add_data_validation(rule)
                    rule.add(f"B{i}")
            ws.column_dimensions["B"].width = 60
        if frame is not None:
            for r, values in enumerate(frame.itertuples(index=False), 2):
                for c, value in enumerate(values, 1):
                    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
                        continue
                    if hasattr(value, "item"):
                        value = value.item()
                    ws.cell(row=r, column=c, value=value)
        _validations(ws, spec, headers)
    _lists_sheet(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
