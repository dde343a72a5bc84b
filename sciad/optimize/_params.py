"""Parameters as pytrees: one flat vector for scipy, the user's named structure for the model.

scipy optimizes a 1-D float vector. Users write ``{"k": 0.1, "w": np.zeros(3)}``. A
:class:`ParamSpace` converts between the two, names every entry (``k``, ``w[0]`` ...) and turns
bounds given per name into scipy's per-entry bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import Bounds

from ..engine.pytree import tree_flatten, tree_paths, tree_unflatten
from ._checks import ProblemError

__all__ = ["ParamSpace", "as_parameters"]


def as_parameters(x0: Any) -> Any:
    """``x0`` as sciad reads it: a top-level list or tuple of plain numbers is a vector, as in
    scipy (``x0=[1.0, 2.0]``); dicts, and lists that hold arrays or dicts, stay pytrees."""
    if isinstance(x0, (list, tuple)) and x0 and all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in x0):
        return np.asarray(x0, dtype=np.float64)
    return x0


class ParamSpace:
    """The layout of a parameter pytree inside a flat vector.

    Parameters
    ----------
    template : pytree
        Dicts, lists and tuples of arrays and numbers, e.g. ``{"k": 0.1, "w": np.zeros(3)}``;
        a plain array is its own layout.
    name : str
        The name of a bare array or number (its entries are ``name[0]`` ...).
    """

    def __init__(self, template: Any, name: str = "x"):
        leaves, self.treedef = tree_flatten(template)
        self.leaf_names = [name] if self.treedef.kind == "leaf" else tree_paths(template)
        for leaf_name, leaf in zip(self.leaf_names, leaves):
            if np.asarray(leaf).dtype.kind not in "fiub":
                raise ProblemError(f"the parameter {leaf_name!r} is {type(leaf).__name__} "
                                   f"{str(leaf)[:40]!r}; parameters must be real numbers or "
                                   "arrays of them")
        if not leaves or sum(np.size(leaf) for leaf in leaves) == 0:
            raise ProblemError(f"the parameters {name} contain no numbers; give a starting "
                               "value for each unknown")
        self.shapes = [np.shape(leaf) for leaf in leaves]
        self.scalars = [isinstance(leaf, (int, float)) for leaf in leaves]
        self.sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        # a 1-D array is already what scipy wants: pass it through without any slicing nodes
        self.is_vector = self.treedef.kind == "leaf" and len(self.shapes[0]) == 1
        self.names = self._entry_names()

    def _entry_names(self) -> list[str]:
        names = []
        for name, shape in zip(self.leaf_names, self.shapes):
            if shape == ():
                names.append(name)
            elif len(shape) == 1:  # the common case, without np.ndindex's per-entry cost
                names.extend(f"{name}[{i}]" for i in range(shape[0]))
            else:
                names.extend(f"{name}[{','.join(map(str, index))}]"
                             for index in np.ndindex(*shape))
        return names

    def flatten(self, tree: Any) -> np.ndarray:
        """The float64 vector of a tree with this layout."""
        leaves, treedef = tree_flatten(tree)
        if treedef != self.treedef or len(leaves) != len(self.shapes):
            raise ProblemError(f"a parameter tree does not match the layout of x0 "
                               f"(names {self.leaf_names})")
        return np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in leaves])

    def unflatten(self, vector):
        """The tree for a flat vector; works on traced Tensors, so derivatives flow through."""
        if self.is_vector:
            return vector
        leaves = []
        for k, shape in enumerate(self.shapes):
            start, stop = self.offsets[k], self.offsets[k + 1]
            if shape == ():
                leaves.append(vector[start])
            else:
                leaves.append(np.reshape(vector[start:stop], shape))
        return tree_unflatten(self.treedef, leaves)

    def unflatten_values(self, vector: np.ndarray):
        """Like :meth:`unflatten` for plain results: Python floats where x0 had numbers."""
        tree = self.unflatten(np.asarray(vector, dtype=np.float64))
        leaves, treedef = tree_flatten(tree)
        leaves = [float(v) if scalar else np.array(v)
                  for v, scalar in zip(leaves, self.scalars)]
        return tree_unflatten(treedef, leaves)

    def bounds(self, bounds) -> Bounds | None:
        """scipy ``Bounds`` from None, a Bounds, a sequence of ``(lo, hi)`` pairs, one pair for
        all, or a dict ``{name: (lo, hi)}`` (per leaf, broadcast over an array leaf; names not
        listed are unbounded)."""
        if bounds is None:
            return None
        if isinstance(bounds, Bounds):
            return bounds
        lower = np.full(self.size, -np.inf)
        upper = np.full(self.size, np.inf)
        if isinstance(bounds, dict):
            unknown = set(bounds) - set(self.leaf_names)
            if unknown:
                raise ProblemError(f"bounds name {sorted(unknown)} but the parameters are "
                                   f"named {self.leaf_names}")
            for k, name in enumerate(self.leaf_names):
                if name in bounds:
                    lo, hi = _pair(bounds[name], f"bounds[{name!r}]")
                    sl = slice(self.offsets[k], self.offsets[k + 1])
                    lower[sl] = _broadcast(lo, self.shapes[k], name)
                    upper[sl] = _broadcast(hi, self.shapes[k], name)
            return self._checked(lower, upper)
        pairs = list(bounds)
        if len(pairs) == 2 and all(np.ndim(p) == 0 for p in pairs) and self.size != 2:
            pairs = [tuple(pairs)] * self.size  # one (lo, hi) for every entry
        if len(pairs) != self.size:
            raise ProblemError(f"bounds has {len(pairs)} (lo, hi) pairs but the parameters have "
                               f"{self.size} entries ({', '.join(self.names[:6])}"
                               f"{' ...' if self.size > 6 else ''}); give one pair per entry "
                               "or a dict {name: (lo, hi)}")
        for i, pair in enumerate(pairs):
            lower[i], upper[i] = _pair(pair, f"bounds[{i}]")
        return self._checked(lower, upper)

    def _checked(self, lower: np.ndarray, upper: np.ndarray) -> Bounds:
        """scipy's Bounds, after checking that no lower bound exceeds its upper bound."""
        reversed_entries = np.flatnonzero(lower > upper)
        if reversed_entries.size:
            i = reversed_entries[0]
            raise ProblemError(f"the bounds of {self.names[i]} are reversed: lower {lower[i]} > "
                               f"upper {upper[i]}; give (lower, upper)")
        return Bounds(lower, upper)


def _pair(pair, where):
    try:
        lo, hi = pair
    except (TypeError, ValueError):
        raise ProblemError(f"{where} must be a (lower, upper) pair, got {pair!r}") from None
    lo = -np.inf if lo is None else np.asarray(lo, dtype=np.float64)
    hi = np.inf if hi is None else np.asarray(hi, dtype=np.float64)
    return lo, hi


def _broadcast(value, shape, name):
    try:
        return np.broadcast_to(value, shape).ravel()
    except ValueError:
        raise ProblemError(f"the bound for {name!r} has shape {np.shape(value)}, which does not "
                           f"fit the parameter's shape {shape}") from None
