"""The problems a catalog file can have, and the reader that finds them field by field.

Every field of a section, service, step or document is read through FieldReader, which
records a CatalogProblem (naming the row and the field) instead of raising, so one import
reports every problem of the file at once (CatalogError).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.catalog import DocumentKind, StepKind


@dataclass
class CatalogProblem:
    row: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.row}: field '{self.field}': {self.message}"


class CatalogError(ValueError):
    def __init__(self, problems: list[CatalogProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FieldReader:
    """Pulls typed values out of one JSON object, recording problems instead of raising."""

    def __init__(self, data: Any, row: str, problems: list[CatalogProblem], prefix: str = ""):
        self.data = data if isinstance(data, dict) else {}
        self.row = row
        self.problems = problems
        self.prefix = prefix
        if not isinstance(data, dict):
            self.problem("", f"must be an object, got {kind_of(data)}")

    def problem(self, name: str, message: str) -> None:
        self.problems.append(CatalogProblem(self.row, f"{self.prefix}{name}" or "(row)", message))

    def text(self, name: str, *, required: bool = False, max_len: int = 4000) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self.problem(name, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(name, f"must be text, got {kind_of(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(name, "must not be empty")
        if len(value) > max_len:
            self.problem(name, f"is longer than {max_len} characters")
        return value

    def whole(self, name: str, *, minimum: int = 0, nullable: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None:
            if not nullable:
                self.problem(name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(name, f"must be a whole number ≥ {minimum}, got {value!r}")
            return None
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            self.problem(name, f"must be true or false, got {value!r}")
            return default
        return value

    def choice(self, name: str, allowed: type[StepKind] | type[DocumentKind]) -> Any:
        value = self.data.get(name)
        try:
            return allowed(value)
        except ValueError:
            names = ", ".join(m.value for m in allowed)
            self.problem(name, f"must be one of {names}, got {value!r}")
            return None


def kind_of(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")
