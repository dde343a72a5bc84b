"""From a pair potential and a space to a total-energy function ``energy(positions)``.

The energy is evaluated for all pairs at once: gather the two positions of every pair by index
arrays, take the (minimum-image) displacements, the distances, the pair energies, and one sum.
The recorded graph therefore has about a dozen nodes whatever the number of atoms, and the
engine's backward pass is a handful of vectorised NumPy calls (the scatter back to atoms is one
``np.add.at``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..engine.control import stop_gradient
from ..engine.transforms import hvp
from ._pairs import PairIndex, pair_difference
from .neighbors import NeighborList, all_pairs
from .potentials import PairPotential
from .space import PhysicsError, Space

__all__ = ["pair_energy", "sum_energies"]


def pair_energy(potential: PairPotential, space: Space, neighbors: NeighborList | None = None,
                species=None) -> Callable:
    """The total energy of a pair potential, as a function of the positions.

    Parameters
    ----------
    potential : PairPotential
        From :func:`lennard_jones`, :func:`morse`, :func:`soft_sphere`, :func:`harmonic_bond`,
        :func:`coulomb` (or your own :class:`PairPotential`).
    space : Space
        From :func:`free` or :func:`periodic`.
    neighbors : NeighborList, optional
        Use (and keep up to date) this neighbor list: O(N) cost. Without one, every pair is
        evaluated (O(N^2); fine for clusters of a few hundred atoms).
    species : (N,) int array, optional
        Species index of every atom, for parameters given as ``(S, S)`` arrays.

    Returns
    -------
    energy : callable
        ``energy(positions, params=None, strain=None) -> float``. ``params`` overrides the
        potential's parameters by name (differentiate with respect to it to fit a force
        field); ``strain`` (3x3) deforms the system by ``I + strain`` (used by :func:`stress`).

    Examples
    --------
    >>> energy = sciad.physics.pair_energy(sciad.physics.lennard_jones(), sciad.physics.free())
    >>> float(energy(np.array([[0.0, 0, 0], [2.0 ** (1 / 6), 0, 0]])))
    -1.0
    """
    if not isinstance(potential, PairPotential):
        raise PhysicsError(f"pair_energy needs a PairPotential (from sciad.physics.lennard_jones "
                           f"and friends), got {type(potential).__name__}")
    _check_range(potential, space, neighbors)
    species = None if species is None else np.asarray(species, dtype=np.intp)
    cache: dict = {}  # pair arrays -> PairIndex; holds the arrays, so their ids stay unique

    def pairs_for(positions) -> PairIndex:
        if potential.bonds is not None:
            i, j = potential.bonds[:, 0], potential.bonds[:, 1]
        elif neighbors is not None:
            i, j = neighbors.update(stop_gradient(positions))
        else:
            count = len(positions)
            if ("all", count) not in cache:
                cache[("all", count)] = all_pairs(count)
            i, j = cache[("all", count)]
        key = (id(i), id(j))
        if key not in cache or cache[key][0] is not i or cache[key][1] is not j:
            for old in [k for k in cache if k[0] != "all"]:
                del cache[old]  # the neighbor list was rebuilt: forget the old pairs
            cache[key] = (i, j, PairIndex(i, j))
        return cache[key][2]

    def energy_of_displacements(d, pairs, params, count):
        r = np.sqrt(np.sum(np.square(d), axis=1))  # square: one rule call, not two
        values = _pair_parameters(potential, params, pairs.i, pairs.j, species, count)
        return np.sum(potential(r, **values))

    def energy(positions, params: dict | None = None, strain=None):
        _check_positions(positions, species, potential.bonds)
        pairs = pairs_for(positions)
        d = space.periodic_displacement(pair_difference(positions, pairs), strain)
        return energy_of_displacements(d, pairs, params, len(positions))

    def pair_hessian(positions, params: dict | None = None):
        """The exact (3N, 3N) Hessian from per-pair 3x3 blocks (three Hessian-vector products
        whatever N); :func:`sciad.physics.hessian` uses it."""
        positions = np.asarray(positions, dtype=np.float64)
        _check_positions(positions, species, potential.bonds)
        pairs = pairs_for(positions)
        d = space.periodic_displacement(pair_difference(positions, pairs))
        return _assemble_pair_hessian(energy_of_displacements, d, pairs, params, len(positions))

    energy.__name__ = f"{potential.name}_energy"
    energy.pair_hessian = pair_hessian
    energy.space = space  # so that the stress and the ASE bridge know the cell it was built for
    return energy


def _assemble_pair_hessian(energy_of_displacements, d, pairs, params, count):
    # E = sum_p phi_p(d_p) with d_p = x_i - x_j (+ a constant image shift), so d2E/dd2 is
    # block diagonal: one Hessian-vector product with e_k on every pair gives column k of all
    # P blocks B_p. Then H[i,i] += B, H[j,j] += B, H[i,j] -= B, H[j,i] -= B.
    product = hvp(lambda x: energy_of_displacements(x, pairs, params, count))
    blocks = np.empty((len(pairs), 3, 3))
    for k in range(3):
        direction = np.zeros_like(d)
        direction[:, k] = 1.0
        blocks[:, :, k] = product(d, direction)
    i, j = pairs.i, pairs.j
    rows = np.concatenate([i, j, i, j])
    cols = np.concatenate([i, j, j, i])
    signed = np.concatenate([blocks, blocks, -blocks, -blocks])
    a, b = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    flat = ((3 * rows[:, None, None] + a) * (3 * count) + 3 * cols[:, None, None] + b).ravel()
    size = 3 * count
    return np.bincount(flat, signed.ravel(), size * size).reshape(size, size)


def sum_energies(*terms: Callable) -> Callable:
    """Add energy functions (say bonds plus Lennard-Jones) into one energy function.

    Parameters
    ----------
    *terms : callable
        ``term(positions)``; every term must accept ``strain=`` when the stress is wanted.

    Returns
    -------
    callable
        ``energy(positions, strain=None)``. When every term comes from :func:`pair_energy` it
        keeps their fast pair Hessian, and their space when they share one.

    Examples
    --------
    >>> space = sciad.physics.free()
    >>> total = sciad.physics.sum_energies(
    ...     sciad.physics.pair_energy(sciad.physics.harmonic_bond([[0, 1]], k=2.0), space),
    ...     sciad.physics.pair_energy(sciad.physics.lennard_jones(), space))
    >>> float(total(np.array([[0.0, 0, 0], [1.5, 0, 0]])))   # 0.25 + 4 (1.5^-12 - 1.5^-6)
    -0.07033659427857464
    """
    if not terms:
        raise PhysicsError("sum_energies needs at least one energy function")

    def energy(positions, strain=None):
        total = 0.0
        for term in terms:
            total = total + (term(positions) if strain is None
                             else term(positions, strain=strain))
        return total

    if all(hasattr(term, "pair_hessian") for term in terms):
        def pair_hessian(positions):
            return sum(term.pair_hessian(positions) for term in terms)
        energy.pair_hessian = pair_hessian
    spaces = [getattr(term, "space", None) for term in terms]
    if spaces[0] is not None and all(other is not None and _same_space(spaces[0], other)
                                     for other in spaces[1:]):
        energy.space = spaces[0]
    return energy


def _same_space(a: Space, b: Space) -> bool:
    """True if ``a`` and ``b`` measure displacements alike (both free, or the same cell)."""
    if a is b or (a.cell is None and b.cell is None):
        return True
    return a.cell is not None and b.cell is not None and np.array_equal(a.cell, b.cell)


def _check_range(potential, space, neighbors):
    if potential.bonds is not None:
        return
    if neighbors is not None:
        if potential.cutoff is None or neighbors.cutoff < potential.cutoff:
            raise PhysicsError(
                f"the neighbor list's cutoff ({neighbors.cutoff:g}) is shorter than the "
                f"potential's ({potential.cutoff}); build NeighborList(space, cutoff=potential."
                "cutoff) so that no interacting pair is missed")
        if not _same_space(neighbors.space, space):
            raise PhysicsError("the neighbor list was built for a different space (another "
                               "cell); pass the same space to NeighborList and pair_energy")
        return
    if space.periodic:
        if potential.cutoff is None:
            raise PhysicsError(f"{potential.name} has no cutoff, which a periodic system needs "
                               "(every atom would interact with infinitely many images): pass "
                               "cutoff=... to the potential")
        space.check_cutoff(potential.cutoff)


def _check_positions(positions, species, bonds):
    shape = positions.shape if hasattr(positions, "shape") else np.shape(positions)
    if len(shape) != 2 or shape[1] != 3:
        raise PhysicsError(f"positions must have shape (N, 3), got {shape}")
    if species is not None and len(species) != shape[0]:
        raise PhysicsError(f"species has {len(species)} entries for {shape[0]} atoms")
    if bonds is not None and len(bonds) and bonds.max() >= shape[0]:
        row = int(np.argmax(bonds.max(axis=1) >= shape[0]))
        raise PhysicsError(f"bond {row} ({bonds[row].tolist()}) names an atom beyond the "
                           f"{shape[0]} atoms given; bond indices run from 0 to N - 1")


def _pair_parameters(potential, params, i, j, species, count):
    """The potential's parameters with overrides, gathered to one value per pair; shapes are
    checked, because NumPy would broadcast a wrong-length array silently."""
    values = dict(potential.params)
    if params:
        unknown = set(params) - set(values)
        if unknown:
            raise PhysicsError(f"{potential.name} has no parameter(s) {sorted(unknown)}; its "
                               f"parameters are {sorted(values)}")
        values.update(params)
    gathered = {}
    for name, value in values.items():
        shape = np.shape(stop_gradient(value))
        if name in potential.per_atom:
            if shape != (count,):
                raise PhysicsError(f"{potential.name}: {name} is per atom and needs shape "
                                   f"({count},) for {count} atoms, got {shape}")
            gathered[name] = value[i] * value[j]
        elif potential.bonds is not None:
            if shape not in ((), (len(potential.bonds),)):
                raise PhysicsError(f"{potential.name}: {name} must be a scalar or one value per "
                                   f"bond, shape ({len(potential.bonds)},), got {shape}")
            gathered[name] = value
        elif len(shape) == 2:
            _check_species_table(potential.name, name, shape, species)
            # the upper triangle, whichever atom of the pair comes first: an asymmetric table
            # must not make the energy depend on how the atoms are numbered
            first, second = species[i], species[j]
            gathered[name] = value[np.minimum(first, second), np.maximum(first, second)]
        elif shape == ():
            gathered[name] = value
        else:
            raise PhysicsError(f"{potential.name}: {name} must be a scalar or an (S, S) table "
                               f"indexed by species pairs, got shape {shape}")
    return gathered


def _check_species_table(potential_name, name, shape, species):
    if species is None:
        raise PhysicsError(f"parameter {name!r} is a per-species table, so pair_energy "
                           "needs species=... (one species index per atom)")
    if shape[0] != shape[1]:
        raise PhysicsError(f"{potential_name}: the per-species table {name!r} must be square, "
                           f"(S, S), got shape {shape}")
    if len(species) and (species.min() < 0 or species.max() >= shape[0]):
        raise PhysicsError(f"{potential_name}: species indices must lie in 0..{shape[0] - 1} "
                           f"for the {shape} table {name!r}, got {species.min()}..{species.max()}")
