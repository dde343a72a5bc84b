"""Verlet neighbor lists on ``scipy.spatial.cKDTree``: O(N) pair finding with a skin.

The list holds every pair closer than ``cutoff + skin``. It is rebuilt only when some atom has
moved more than half the skin since the last build, because until then no pair outside the list
can have come within ``cutoff``. Orthorhombic cells use the tree's own periodic ``boxsize``;
triclinic cells search the 27 neighbouring images of the cell.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .space import PhysicsError, Space

__all__ = ["NeighborList", "all_pairs"]


def all_pairs(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair ``i < j`` of ``count`` atoms.

    Parameters
    ----------
    count : int

    Returns
    -------
    i, j : ndarray
        Index arrays of length ``count (count - 1) / 2``.

    Examples
    --------
    >>> [a.tolist() for a in sciad.physics.all_pairs(3)]
    [[0, 0, 1], [1, 2, 2]]
    """
    return np.triu_indices(count, k=1)


class NeighborList:
    """Pairs of atoms within ``cutoff + skin``, kept up to date as the atoms move.

    Parameters
    ----------
    space : Space
        From :func:`sciad.physics.free` or :func:`sciad.physics.periodic`.
    cutoff : float
        The interaction range (the potential's cutoff).
    skin : float
        Extra distance; larger skins mean fewer rebuilds but more pairs per evaluation.

    Attributes
    ----------
    rebuilds : int
        How many times the list has been built.

    Examples
    --------
    >>> space = sciad.physics.periodic([6.0, 6.0, 6.0])
    >>> nl = sciad.physics.NeighborList(space, cutoff=2.5)
    >>> i, j = nl.update(np.random.default_rng(0).uniform(0, 6, (50, 3)))
    """

    def __init__(self, space: Space, cutoff: float, skin: float = 0.3):
        if not cutoff > 0 or not skin >= 0:
            raise PhysicsError(f"NeighborList needs cutoff > 0 and skin >= 0, got cutoff={cutoff},"
                               f" skin={skin}")
        space.check_cutoff(cutoff)
        self.space = space
        self.cutoff = float(cutoff)
        self.skin = float(skin)
        self.rebuilds = 0
        self._reference = None
        self._pairs = (np.zeros(0, np.intp), np.zeros(0, np.intp))

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The current pair index arrays ``(i, j)`` with ``i < j``."""
        return self._pairs

    def needs_rebuild(self, positions: np.ndarray) -> bool:
        """True if the list is empty, the atom count changed, or an atom moved more than half
        the skin since the last build."""
        if self._reference is None or self._reference.shape != positions.shape:
            return True
        moved = self.space.displacement(positions, self._reference)
        return bool(np.max(np.einsum("ij,ij->i", moved, moved), initial=0.0)
                    > (0.5 * self.skin) ** 2)

    def update(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """Rebuild if needed and return the pairs ``(i, j)``."""
        positions = np.asarray(positions, dtype=np.float64)
        if positions.ndim != 2 or positions.shape[1] != 3:
            raise PhysicsError(f"positions must have shape (N, 3), got {positions.shape}")
        if self.needs_rebuild(positions):
            self._pairs = self._build(positions)
            self._reference = positions.copy()
            self.rebuilds += 1
        return self._pairs

    def _build(self, positions):
        reach = self.cutoff + self.skin
        space = self.space
        if not np.all(np.isfinite(positions)):
            raise PhysicsError("positions contain NaN or infinity (did the simulation blow up? "
                               "try a smaller time step)")
        if space.cell is None:
            pairs = cKDTree(positions).query_pairs(reach, output_type="ndarray")
        elif space.orthorhombic:
            lengths = space.lengths
            wrapped = np.mod(positions, lengths)
            wrapped[wrapped >= lengths] = 0.0  # np.mod can round up to exactly L
            pairs = cKDTree(wrapped, boxsize=lengths).query_pairs(reach, output_type="ndarray")
        else:
            pairs = self._triclinic_pairs(space.wrap(positions), reach)
        pairs = pairs.reshape(-1, 2).astype(np.intp)
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))  # a fixed order: reproducible sums
        return pairs[order, 0].copy(), pairs[order, 1].copy()

    def _triclinic_pairs(self, wrapped, reach):
        count = len(wrapped)
        shifts = np.array([(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])
        images = (wrapped[None, :, :] + (shifts @ self.space.cell)[:, None, :]).reshape(-1, 3)
        found = cKDTree(images).sparse_distance_matrix(cKDTree(wrapped), reach,
                                                       output_type="ndarray")
        first = found["i"] % count
        second = found["j"]
        keep = first < second
        # a pair closer than half the cell width appears through a single image only
        return np.unique(np.stack([first[keep], second[keep]], axis=1), axis=0)
