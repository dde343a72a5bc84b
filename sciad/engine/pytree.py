"""Pytrees: nested dicts, lists and tuples whose leaves are arrays or numbers.

Parameters travel as pytrees (``{"k": 0.1, "w": np.zeros(3)}``) and gradients come back in the
same structure. Dicts keep their insertion order, so names flow through to results in the order
the user wrote them.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "tree_paths"]


class _Def:
    """How to rebuild a tree from its leaves."""

    __slots__ = ("kind", "meta", "children")

    def __init__(self, kind, meta, children):
        self.kind = kind  # "leaf", "dict", "list", "tuple", "namedtuple", "none"
        self.meta = meta
        self.children = children

    def __eq__(self, other):
        return (isinstance(other, _Def) and self.kind == other.kind and self.meta == other.meta
                and self.children == other.children)

    def __repr__(self):
        return f"TreeDef({self.kind}, {self.meta}, {self.children})"


_LEAF = _Def("leaf", None, ())


def tree_flatten(tree: Any) -> tuple[list, _Def]:
    """Leaves in a fixed order, and the structure to rebuild the tree with."""
    leaves: list = []

    def walk(node):
        if isinstance(node, dict):
            keys = list(node)
            return _Def("dict", tuple(keys), tuple(walk(node[k]) for k in keys))
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return _Def("namedtuple", type(node), tuple(walk(v) for v in node))
        if isinstance(node, (list, tuple)):
            return _Def(type(node).__name__, None, tuple(walk(v) for v in node))
        if node is None:
            return _Def("none", None, ())
        leaves.append(node)
        return _LEAF

    return leaves, walk(tree)


def tree_unflatten(treedef: _Def, leaves) -> Any:
    """Inverse of :func:`tree_flatten`."""
    iterator = iter(leaves)

    def build(d):
        if d.kind == "leaf":
            return next(iterator)
        if d.kind == "none":
            return None
        children = [build(c) for c in d.children]
        if d.kind == "dict":
            return dict(zip(d.meta, children))
        if d.kind == "namedtuple":
            return d.meta(*children)
        return list(children) if d.kind == "list" else tuple(children)

    return build(treedef)


def tree_leaves(tree: Any) -> list:
    return tree_flatten(tree)[0]


def tree_map(fun: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fun`` leafwise (to matching leaves of several trees of the same structure)."""
    leaves, treedef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(treedef, [fun(*xs) for xs in zip(leaves, *others)])


def tree_paths(tree: Any, prefix: str = "") -> list[str]:
    """A readable name per leaf, in flatten order: ``k``, ``w[0]``, ``layers[1].b`` ..."""
    names: list[str] = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif node is not None:
            names.append(path or "x")

    walk(tree, prefix)
    return names
