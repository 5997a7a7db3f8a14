"""Regenerate the workbook-contract section of README.md from seo_workbench/schema.py."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from seo_workbench import schema

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- workbook-contract:[^\n]*-->\n)(.*?)(<!-- /workbook-contract -->)", re.S)


def updated(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + schema.to_markdown() + m.group(3), text)


if __name__ == "__main__":
    text = README.read_text()
    new = updated(text)
    if "--check" in sys.argv:
        sys.exit(0 if new == text else "README.md is out of date: run `make docs`.")
    README.write_text(new)
