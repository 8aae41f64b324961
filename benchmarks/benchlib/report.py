"""Figures: what was compared with what, the spread of the ratio, the target and the verdict."""

from __future__ import annotations

import dataclasses
import operator

OPERATORS = {"<=": operator.le, "==": operator.eq}


@dataclasses.dataclass
class Figure:
    """One line of the report. ``spread`` is the per-round ratio (or a count, for request figures)."""

    key: str  # "P1a", "P4 create", ...
    what: str
    baseline: str
    spread: object  # measure.Spread
    op: str  # "<=" or "=="
    target: float  # None: a figure only shown, never judged
    unit: str = "x"  # "x" for ratios, "req" for request counts
    detail: str = ""  # absolute numbers, for the reader; never judged
    judged: bool = True  # False in smoke runs

    @property
    def met(self):
        """Ratios are judged by their median; request counts must hit the target in every run (no target: nothing to miss)."""
        if self.target is None:
            return True
        compare = OPERATORS[self.op]
        if self.unit == "x":
            return compare(self.spread.median, self.target)
        return all(compare(value, self.target) for value in self.spread.values)

    @property
    def verdict(self):
        if self.target is None:
            return "(no target)"
        if not self.judged:
            return "(smoke)"
        return "met" if self.met else "MISSED"

    def as_dict(self):
        return {
            "key": self.key, "what": self.what, "baseline": self.baseline, "op": self.op, "target": self.target,
            "unit": self.unit, "min": self.spread.min, "median": self.spread.median, "max": self.spread.max,
            "runs": len(self.spread.values), "values": self.spread.values, "met": self.met, "judged": self.judged,
            "detail": self.detail,
        }


def value_text(figure):
    if figure.unit == "x":
        return figure.spread.format("%.2f")
    return figure.spread.format("%d")


def target_text(figure):
    if figure.target is None:
        return "-"
    if figure.unit == "x":
        return "median %s %.2fx" % ("<=" if figure.op == "<=" else "=", figure.target)
    return "%s %d" % ("=" if figure.op == "==" else "<=", figure.target)


def markdown_table(figures):
    """The figures as a Markdown table (also readable as plain text)."""
    lines = [
        "| # | what | compared with | min / median / max | runs | target | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        lines.append("| %s | %s | %s | %s | %d | %s | %s |" % (
            figure.key, figure.what, figure.baseline, value_text(figure) + (" x" if figure.unit == "x" else " req"),
            len(figure.spread.values), target_text(figure), figure.verdict))
    return "\n".join(lines)


def details(figures):
    """The absolute numbers behind the ratios, one line per figure that has some."""
    return "\n".join("- %s: %s" % (figure.key, figure.detail) for figure in figures if figure.detail)
