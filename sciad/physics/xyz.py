"""Reading and writing XYZ and extended XYZ files.

Extended XYZ keeps the plain XYZ layout (atom count, comment line, one line per atom) and puts
``key=value`` pairs on the comment line: ``Lattice="ax ay az bx by bz cx cy cz"`` (the cell, rows
are lattice vectors), ``Properties=species:S:1:pos:R:3:forces:R:3`` (the per-atom columns:
name, type S/R/I/L for string/real/integer/logical, number of columns), ``pbc="T T T"`` and any
other values (energies, labels) which come back in ``XYZFrame.info``.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

import numpy as np

from .space import PhysicsError, Space, free, periodic

__all__ = ["XYZFrame", "XYZFormatError", "read_xyz", "write_xyz"]


class XYZFormatError(PhysicsError):
    """An XYZ file that cannot be read; the message names the file and line."""


@dataclass
class XYZFrame:
    """One structure: symbols, positions, optional cell, per-atom arrays and other info."""

    symbols: list
    positions: np.ndarray
    cell: np.ndarray | None = None
    pbc: tuple = (False, False, False)
    arrays: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def space(self) -> Space:
        """:func:`periodic` with this cell when it is periodic in all three directions,
        :func:`free` when it is periodic in none.

        Raises
        ------
        XYZFormatError
            For mixed periodicity (a slab or a wire, ``pbc="T T F"``), which sciad's spaces do
            not model, and for ``pbc`` without a ``Lattice``: treating either as free space
            would silently drop the periodic images.
        """
        pbc = tuple(bool(p) for p in self.pbc)
        if not any(pbc):
            return free()
        if not all(pbc):
            raise XYZFormatError(f"the frame has pbc={pbc}: sciad.physics models fully periodic "
                                 "or free systems only; set pbc to all T (with a Lattice large "
                                 "enough in the open direction) or all F")
        if self.cell is None:
            raise XYZFormatError("the frame is periodic (pbc all T) but has no Lattice (cell)")
        return periodic(self.cell)


_TYPES = {"S": str, "R": float, "I": int, "L": lambda v: v in ("T", "True", "true", "1")}


def read_xyz(path, index: int | None = 0):
    """Read frame ``index`` of an (extended) XYZ file, or every frame with ``index=None``.

    Parameters
    ----------
    path : str or path-like
    index : int or None
        Which frame (negative counts from the end); None returns a list of all frames.

    Returns
    -------
    XYZFrame or list of XYZFrame

    Raises
    ------
    XYZFormatError
        With the file name and line number of the first problem.
    """
    with open(path) as handle:
        lines = handle.read().splitlines()
    frames, cursor = [], 0
    while cursor < len(lines):
        if not lines[cursor].strip():
            cursor += 1
            continue
        frame, cursor = _read_frame(lines, cursor, os.fspath(path))
        frames.append(frame)
    if not frames:
        raise XYZFormatError(f"{os.fspath(path)}: the file holds no structure")
    if index is None:
        return frames
    try:
        return frames[index]
    except IndexError:
        raise XYZFormatError(f"{os.fspath(path)} has {len(frames)} frame(s); there is no frame "
                             f"{index}") from None


def _read_frame(lines, cursor, path):
    where = f"{path}, line {cursor + 1}"
    try:
        count = int(lines[cursor].split()[0])
    except (ValueError, IndexError):
        raise XYZFormatError(f"{where}: expected the number of atoms, got "
                             f"{lines[cursor].strip()!r}") from None
    if count < 0 or cursor + 1 + count >= len(lines):
        raise XYZFormatError(f"{where}: the file ends before the {count} atom lines announced "
                             "here")
    comment = lines[cursor + 1]
    info = _parse_comment(comment, f"{path}, line {cursor + 2}")
    columns = _parse_properties(info.pop("Properties", "species:S:1:pos:R:3"),
                                f"{path}, line {cursor + 2}")
    width = sum(n for _, _, n in columns)
    rows = []
    for k in range(cursor + 2, cursor + 2 + count):
        fields = lines[k].split()
        if len(fields) != width:
            raise XYZFormatError(f"{path}, line {k + 1}: expected {width} columns "
                                 f"({_describe(columns)}), got {len(fields)}")
        rows.append(fields)
    arrays = {}
    start = 0
    for name, kind, n in columns:
        block = [row[start:start + n] for row in rows]
        try:
            values = np.array([[_TYPES[kind](v) for v in row] for row in block],
                              dtype=object if kind == "S" else None)
        except ValueError as exc:
            raise XYZFormatError(f"{path}, lines {cursor + 3}-{cursor + 2 + count}: column "
                                 f"{name!r} should hold type {kind}: {exc}") from None
        values = values.reshape(count, n)
        arrays[name] = values[:, 0] if n == 1 else values
        start += n
    if "species" not in arrays or "pos" not in arrays:
        raise XYZFormatError(f"{path}, line {cursor + 2}: Properties must include species and "
                             "pos")
    symbols = [str(s) for s in arrays.pop("species")]
    positions = np.asarray(arrays.pop("pos"), dtype=np.float64).reshape(count, 3)
    cell = info.pop("Lattice", None)
    if cell is not None:
        cell = np.asarray(cell, dtype=np.float64)
        if cell.shape != (9,):
            raise XYZFormatError(f"{path}, line {cursor + 2}: Lattice needs 9 numbers, got "
                                 f"{cell.size}")
        cell = cell.reshape(3, 3)
    pbc = info.pop("pbc", None)
    if pbc is None:
        pbc = (cell is not None,) * 3
    else:
        flags = [bool(p) for p in np.atleast_1d(pbc)]
        pbc = tuple(flags * 3 if len(flags) == 1 else flags)
    return XYZFrame(symbols, positions, cell, pbc, arrays, info), cursor + 2 + count


def _parse_comment(comment, where):
    try:
        tokens = shlex.split(comment)
    except ValueError as exc:
        raise XYZFormatError(f"{where}: cannot split the comment line ({exc})") from None
    if not any("=" in t for t in tokens):
        return {"comment": comment} if comment.strip() else {}
    info = {}
    for token in tokens:
        key, equals, value = token.partition("=")
        if not equals:
            info[key] = True  # a bare flag
        else:
            info[key] = value if key == "Properties" else _parse_value(value)
    return info


def _parse_value(text):
    parts = text.split()
    for convert in (int, float):
        try:
            values = [convert(p) for p in parts]
        except ValueError:
            continue
        return values[0] if len(values) == 1 else np.array(values)
    if parts and all(p in ("T", "F") for p in parts):
        flags = [p == "T" for p in parts]
        return flags[0] if len(flags) == 1 else np.array(flags)
    return text


def _parse_properties(text, where):
    parts = str(text).split(":")
    if len(parts) % 3:
        raise XYZFormatError(f"{where}: Properties={text} is not a list of name:type:count")
    columns = []
    for name, kind, n in zip(parts[::3], parts[1::3], parts[2::3]):
        if kind not in _TYPES or not n.isdigit() or int(n) < 1:
            raise XYZFormatError(f"{where}: bad column {name}:{kind}:{n} in Properties (types "
                                 "are S, R, I, L; counts are positive integers)")
        columns.append((name, kind, int(n)))
    return columns


def _describe(columns):
    return ", ".join(f"{name} x{n}" for name, _, n in columns)


def write_xyz(path, frames, append: bool = False) -> None:
    """Write one :class:`XYZFrame` or a list of them as extended XYZ.

    Per-atom ``arrays`` (for example ``{"forces": f}``) become extra columns; ``info`` values
    and the cell go on the comment line.

    Parameters
    ----------
    path : str or path-like
    frames : XYZFrame or list of XYZFrame
    append : bool
        Add to the end of an existing file (a trajectory) instead of replacing it.

    Raises
    ------
    XYZFormatError
        When the symbols, positions or a per-atom array do not have one row per atom.
    """
    frames = [frames] if isinstance(frames, XYZFrame) else list(frames)
    with open(path, "a" if append else "w") as handle:
        for frame in frames:
            handle.write(_format_frame(frame))


def _format_frame(frame: XYZFrame) -> str:
    positions = np.asarray(frame.positions, dtype=np.float64)
    count = len(positions)
    if len(frame.symbols) != count or positions.shape != (count, 3):
        raise XYZFormatError(f"frame has {len(frame.symbols)} symbols and positions of shape "
                             f"{positions.shape}")
    columns = [("species", "S", np.asarray(frame.symbols, dtype=object)[:, None]),
               ("pos", "R", positions)]
    for name, values in frame.arrays.items():
        values = np.asarray(values)
        if values.ndim not in (1, 2) or len(values) != count:
            raise XYZFormatError(f"per-atom array {name!r} has shape {values.shape}; it needs "
                                 f"one row per atom, shape ({count},) or ({count}, k)")
        values = values.reshape(count, -1)
        kind = {"f": "R", "i": "I", "u": "I", "b": "L"}.get(values.dtype.kind, "S")
        columns.append((name, kind, values))
    header = []
    if frame.cell is not None:
        header.append('Lattice="' + " ".join(f"{v:.10g}" for v in np.ravel(frame.cell)) + '"')
    header.append("Properties=" + ":".join(f"{n}:{k}:{v.shape[1]}" for n, k, v in columns))
    for key, value in frame.info.items():
        header.append(f"{key}={_format_value(value)}")
    header.append('pbc="' + " ".join("T" if p else "F" for p in frame.pbc) + '"')
    lines = [str(count), " ".join(header)]
    for a in range(count):
        fields = []
        for _, kind, values in columns:
            fields.extend(_format_field(v, kind) for v in values[a])
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


def _format_field(value, kind):
    if kind == "R":
        return f"{float(value):16.10f}"
    if kind == "L":
        return "T" if value else "F"
    return str(value)


def _format_value(value):
    if isinstance(value, (bool, np.bool_)):
        return "T" if value else "F"
    if isinstance(value, (list, tuple, np.ndarray)):
        return '"' + " ".join(_format_value(v) for v in np.ravel(value)) + '"'
    text = str(value)
    return f'"{text}"' if " " in text or not text else text
