"""Presenting a :class:`~sciad.models.RunResult`: aligned tables, JSON, CSV, figures, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable
from typing import IO

from sciad.models import RunResult
from sciad.models.results import ROW_FIELDS

__all__ = ["format_result", "format_table", "format_json", "format_csv", "atomic_write",
           "save_figures", "FORMATS"]

FORMATS = ("table", "json", "csv")


def format_result(result: RunResult, fmt: str) -> str:
    """The result as text in ``fmt`` (``table``, ``json`` or ``csv``)."""
    return {"table": format_table, "json": format_json, "csv": format_csv}[fmt](result)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return f"{value:.6g}"


def _aligned(header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: set[int]) -> list[str]:
    """Columns padded to their widest cell; numbers right-aligned so their digits line up."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = []
    for cells in [header, *rows]:
        parts = [str(c).rjust(w) if i in numeric and cells is not header else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths))]
        lines.append("  ".join(parts).rstrip())
    return lines


def format_table(result: RunResult) -> str:
    """A terminal table: the parameters used, then each analysis' rows."""
    lines = [f"{result.model} ({result.kind} model, {result.file})"]
    params = [(name, _number(p["value"]), p["unit"], "fixed" if p["fixed"] else "")
              for name, p in result.parameters.items()]
    lines += ["", "parameters"] + ["  " + line for line in
                                   _aligned(("name", "value", "unit", ""), params, {1})]
    for analysis in result.analyses:
        title = f"{analysis.where} {analysis.type}".strip()
        method = analysis.details.get("method") if isinstance(analysis.details, dict) else None
        lines += ["", title + (f" ({method})" if isinstance(method, str) else "")]
        cells = [(r["output"], r["parameter"] or "-", r["quantity"], _number(r["value"]), r["unit"])
                 for r in analysis.rows]
        lines += ["  " + line for line in _aligned(ROW_FIELDS, cells, {3})]
    return "\n".join(lines) + "\n"


def format_json(result: RunResult) -> str:
    """The documented JSON layout (``schema: sciad.run/1``), indented, NaN as null."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def format_csv(result: RunResult) -> str:
    """One row per (analysis, output, parameter, quantity) with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("model", "analysis", "type") + ROW_FIELDS)
    for analysis in result.analyses:
        for r in analysis.rows:
            writer.writerow((result.model, analysis.where, analysis.type,
                             *[repr(r[f]) if f == "value" else r[f] for f in ROW_FIELDS]))
    return buffer.getvalue()


def atomic_write(path: str, write: Callable[[IO], None], binary: bool = False) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it into place.

    ``os.replace`` is atomic on POSIX and Windows, so after an error or Ctrl-C the target is
    either the old file (or absent) or the complete new one, never half written.
    """
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".sciad-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb" if binary else "w", **({} if binary else
                                                           {"encoding": "utf-8"})) as stream:
            write(stream)
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp makes 0600; give the usual mode
        os.replace(temporary, path)
    except BaseException:   # including KeyboardInterrupt: never leave the temporary behind
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_figures(result: RunResult, plot: str | None = None, plot_dir: str | None = None) -> list[str]:
    """Draw the analyses that have figures: all in one file, or one file each in a folder.

    Returns
    -------
    list of str
        The files written (none when no analysis has a figure).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawable = [a for a in result.analyses if a.plot is not None]
    written = []
    if plot and drawable:
        fig, axes = plt.subplots(len(drawable), 1, figsize=(6.4, 3.6 * len(drawable)),
                                 squeeze=False)
        for analysis, ax in zip(drawable, axes[:, 0]):
            analysis.plot(ax)
            ax.set_title(f"{result.model}: {analysis.type}", fontsize="medium")
        fig.tight_layout()
        _save(fig, plot)
        written.append(plot)
    if plot_dir:
        os.makedirs(plot_dir, exist_ok=True)
        for analysis in drawable:
            fig, ax = plt.subplots(figsize=(6.4, 4.0))
            analysis.plot(ax)
            ax.set_title(f"{result.model}: {analysis.type}", fontsize="medium")
            fig.tight_layout()
            index = analysis.where.strip("analysis[]") or "0"
            path = os.path.join(plot_dir, f"{result.model}_{index}_{analysis.type}.png")
            _save(fig, path)
            written.append(path)
    return written


def _save(fig, path: str) -> None:
    import matplotlib.pyplot as plt
    try:
        atomic_write(path, lambda stream: fig.savefig(stream, format="png", dpi=100),
                     binary=True)
    finally:
        plt.close(fig)
