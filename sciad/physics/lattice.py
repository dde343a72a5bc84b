"""Starting structures: cubic crystals filling an orthorhombic periodic box."""

from __future__ import annotations

import numpy as np

from .space import PhysicsError

__all__ = ["fcc_lattice", "cubic_lattice"]

_FCC_BASIS = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]])


def _replicate(basis, lattice_constant, repeats):
    if int(repeats) != repeats or repeats < 1 or not lattice_constant > 0:
        raise PhysicsError(f"need a positive lattice constant and a positive integer number of "
                           f"repeats, got {lattice_constant} and {repeats}")
    repeats = int(repeats)
    cells = np.stack(np.meshgrid(*(np.arange(repeats),) * 3, indexing="ij"), -1).reshape(-1, 3)
    positions = (cells[:, None, :] + basis[None, :, :]).reshape(-1, 3) * lattice_constant
    return positions, np.full(3, repeats * lattice_constant)


def fcc_lattice(lattice_constant: float, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Face-centred cubic crystal of ``4 repeats^3`` atoms.

    Parameters
    ----------
    lattice_constant : float
        Edge of the cubic unit cell.
    repeats : int
        Unit cells along each axis.

    Returns
    -------
    positions : (4 repeats^3, 3) array
    box : (3,) array
        The box lengths, for :func:`sciad.physics.periodic`.

    Examples
    --------
    >>> positions, box = sciad.physics.fcc_lattice(5.26, 3)   # argon, 108 atoms
    """
    return _replicate(_FCC_BASIS, lattice_constant, repeats)


def cubic_lattice(lattice_constant: float, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Simple cubic crystal of ``repeats^3`` atoms.

    Parameters
    ----------
    lattice_constant, repeats
        As for :func:`fcc_lattice`.

    Returns
    -------
    positions : (repeats^3, 3) array
    box : (3,) array

    Examples
    --------
    >>> positions, box = sciad.physics.cubic_lattice(1.5, 2)
    >>> positions.shape, box.tolist()
    ((8, 3), [3.0, 3.0, 3.0])
    """
    return _replicate(np.zeros((1, 3)), lattice_constant, repeats)
