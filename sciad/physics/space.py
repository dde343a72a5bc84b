"""Spaces: how to measure the displacement between two atoms, free or in a periodic cell.

A :class:`Space` is the first link of the chain space -> energy -> quantity (as in JAX-MD's
``space.py``). Its :meth:`Space.displacement` is plain NumPy, so the engine differentiates
through it; the minimum-image shift uses ``np.round``, whose derivative is zero, so the chosen
image is a constant of the derivative (exact everywhere except on the half-cell boundary).

Strain enters here too: ``displacement(a, b, strain=eps)`` deforms the displacement by
``(I + eps)``. Deforming every displacement is the same as deforming the positions and the cell
together, which is how :func:`sciad.physics.stress` gets the stress as ``(1/V) dE/d(eps)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.control import stop_gradient
from ..errors import SciadError

__all__ = ["Space", "free", "periodic", "PhysicsError"]


class PhysicsError(SciadError, ValueError):
    """A physical set-up sciad cannot handle as given (bad cell, cutoff too long, bad file)."""


@dataclass(frozen=True, eq=False)
class Space:
    """Free space (``cell is None``) or a periodic cell whose rows are the lattice vectors.

    Build one with :func:`free` or :func:`periodic`; do not construct it directly.
    """

    cell: np.ndarray | None
    orthorhombic: bool = False

    @property
    def periodic(self) -> bool:
        return self.cell is not None

    @property
    def volume(self) -> float:
        """Cell volume, ``|det(cell)|``; raises for free space."""
        if self.cell is None:
            raise PhysicsError("free space has no volume; use sciad.physics.periodic(box) for "
                               "quantities such as the stress that need one")
        return float(abs(np.linalg.det(self.cell)))

    @property
    def lengths(self) -> np.ndarray:
        """The box lengths of an orthorhombic cell (the diagonal of ``cell``)."""
        return np.diag(self.cell).copy()

    @property
    def max_cutoff(self) -> float:
        """The longest cutoff for which the minimum image is exact: half the smallest distance
        between opposite faces of the cell (infinite in free space)."""
        if self.cell is None:
            return np.inf
        a, b, c = self.cell
        areas = [np.linalg.norm(np.cross(b, c)), np.linalg.norm(np.cross(c, a)),
                 np.linalg.norm(np.cross(a, b))]
        return 0.5 * self.volume / max(areas)

    def displacement(self, positions_a, positions_b, strain=None):
        """Minimum-image displacement ``a - b`` (arrays of shape ``(..., 3)``).

        Parameters
        ----------
        positions_a, positions_b : array_like or Tensor
            Positions, broadcast against each other.
        strain : (3, 3) array_like or Tensor, optional
            Deform the displacement by ``(I + strain)`` (used for the stress).
        """
        return self.periodic_displacement(positions_a - positions_b, strain)

    def periodic_displacement(self, difference, strain=None):
        """The minimum image of a plain difference of positions, deformed by ``I + strain``."""
        d = difference
        if self.cell is not None:
            d = self._minimum_image(d)
        if strain is not None:
            d = d + np.matmul(d, np.swapaxes(strain, 0, 1))
        return d

    def _minimum_image(self, d):
        # The image shift is computed from the plain values: it is piecewise constant, so its
        # derivative is zero, and keeping it out of the graph saves three recorded operations.
        # Exact for every separation shorter than max_cutoff, whatever the tilt of the cell.
        raw = stop_gradient(d)
        if self.orthorhombic:
            lengths = np.diag(self.cell)
            return d - lengths * np.round(raw / lengths)
        return d - np.round(raw @ self._inverse) @ self.cell

    @property
    def _inverse(self) -> np.ndarray:
        return np.linalg.inv(self.cell)

    def wrap(self, positions):
        """Positions moved into the cell (fractional coordinates in [0, 1)); free space: as is."""
        if self.cell is None:
            return positions
        if self.orthorhombic:
            lengths = np.diag(self.cell)
            return positions - lengths * np.floor(positions / lengths)
        fractional = np.matmul(positions, self._inverse)
        return positions - np.matmul(np.floor(fractional), self.cell)

    def shift(self, positions, step):
        """``positions + step``, wrapped back into the cell."""
        return self.wrap(positions + step)

    def check_cutoff(self, cutoff: float, what: str = "cutoff") -> None:
        """Raise :class:`PhysicsError` if ``cutoff`` is too long for the minimum image."""
        if cutoff is not None and cutoff > self.max_cutoff * (1 + 1e-12):
            raise PhysicsError(
                f"the {what} {cutoff:g} is longer than half the cell width ({self.max_cutoff:g}), "
                "so an atom would see more than one image of a neighbour; use a larger cell "
                "(repeat the unit cell) or a shorter cutoff")


def free() -> Space:
    """Free (non-periodic) space: displacements are plain differences.

    Returns
    -------
    Space

    Examples
    --------
    >>> space = sciad.physics.free()
    >>> space.displacement(np.array([1.0, 0, 0]), np.zeros(3)).tolist()
    [1.0, 0.0, 0.0]
    """
    return Space(cell=None)


def periodic(box) -> Space:
    """A periodic cell with minimum-image displacements.

    Parameters
    ----------
    box : (3,) or (3, 3) array_like
        Three lengths (orthorhombic), or a matrix whose rows are the lattice vectors
        (triclinic).

    Returns
    -------
    Space

    Raises
    ------
    PhysicsError
        For non-positive lengths, a singular cell, or another shape.

    Examples
    --------
    >>> space = sciad.physics.periodic([10.0, 10.0, 10.0])
    >>> space.displacement(np.array([9.5, 0, 0]), np.array([0.5, 0, 0])).tolist()
    [-1.0, 0.0, 0.0]
    """
    box = np.asarray(box, dtype=np.float64)
    if box.shape == (3,):
        if np.any(box <= 0) or not np.all(np.isfinite(box)):
            raise PhysicsError(f"box lengths must be positive and finite, got {box.tolist()}")
        return Space(cell=np.diag(box), orthorhombic=True)
    if box.shape != (3, 3):
        raise PhysicsError(f"box must be three lengths or a 3x3 cell matrix, got shape "
                           f"{box.shape}")
    if not np.all(np.isfinite(box)) or abs(np.linalg.det(box)) < 1e-12:
        raise PhysicsError("the cell matrix is singular or not finite: its rows must be three "
                           "independent lattice vectors")
    diagonal = np.count_nonzero(box - np.diag(np.diag(box))) == 0 and np.all(np.diag(box) > 0)
    return Space(cell=box.copy(), orthorhombic=bool(diagonal))
