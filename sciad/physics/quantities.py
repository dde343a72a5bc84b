"""Quantities derived from one energy function by differentiation: forces, stress, Hessian,
normal modes, and derivatives with respect to the potential's parameters.

``energy`` is any function ``energy(positions, ...) -> scalar`` written in NumPy: the ones
:func:`pair_energy` builds, or your own. Only :func:`stress` asks more of it: it must accept a
``strain`` keyword and deform its displacements with it (``space.displacement(a, b, strain)``
does that), as the energies from :func:`pair_energy` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..engine.pytree import tree_leaves
from ..engine.tensor import Tensor
from ..engine.transforms import grad, hessian as engine_hessian, jacobian, value_and_grad
from .space import PhysicsError, Space

__all__ = ["forces", "energy_and_forces", "stress", "hessian", "normal_modes", "NormalModes",
           "parameter_gradient", "forces_parameter_jacobian", "INV_CM_PER_UNIT_FREQUENCY"]

# sqrt(eV / (Angstrom^2 amu)) in cm^-1: frequencies from eV, Angstrom and amu, times this
_EV = 1.602176634e-19
_AMU = 1.66053906660e-27
_ANGSTROM = 1e-10
_LIGHT_CM_PER_S = 2.99792458e10
INV_CM_PER_UNIT_FREQUENCY = (np.sqrt(_EV / (_ANGSTROM ** 2 * _AMU))
                             / (2 * np.pi * _LIGHT_CM_PER_S))
_NATIVE_FREQUENCY_UNIT = "sqrt(energy / (mass length^2)), angular"


def forces(energy: Callable, positions, *args, **kwargs) -> np.ndarray:
    """Forces ``-dE/d(positions)``, from one forward and one backward pass.

    Parameters
    ----------
    energy : callable
        ``energy(positions, *args, **kwargs) -> float``, written in NumPy.
    positions : (N, 3) array_like
    *args, **kwargs
        Passed on to ``energy`` (for example a ``params`` dict).

    Returns
    -------
    (N, 3) ndarray

    Examples
    --------
    >>> energy = sciad.physics.pair_energy(sciad.physics.lennard_jones(), sciad.physics.free())
    >>> f = sciad.physics.forces(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]))
    >>> float(f[0, 0])  # -24 epsilon (2 (sigma/r)^13 - (sigma/r)^7): atom 0 is pushed away
    -24.0
    """
    return -grad(energy)(_positions_array(positions), *args, **kwargs)


def energy_and_forces(energy: Callable, positions, *args, **kwargs):
    """The energy and the forces together, from one forward and one backward pass.

    Parameters
    ----------
    energy, positions, *args, **kwargs
        As for :func:`forces`.

    Returns
    -------
    energy : float
    forces : (N, 3) ndarray

    Examples
    --------
    >>> energy = sciad.physics.pair_energy(sciad.physics.lennard_jones(), sciad.physics.free())
    >>> e, f = sciad.physics.energy_and_forces(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]))
    >>> float(e), float(f[1, 0])
    (0.0, 24.0)
    """
    value, gradient = value_and_grad(energy)(_positions_array(positions), *args, **kwargs)
    return value, -gradient


def _positions_array(positions):
    """Positions as one float array (a nested list would be differentiated leaf by leaf, and
    integer positions have no derivative); traced positions pass through."""
    if type(positions) is Tensor:
        return positions
    positions = np.asarray(positions)
    return positions if positions.dtype.kind == "f" else positions.astype(np.float64)


def _atom_masses(masses, count: int) -> np.ndarray:
    """``masses`` (a number or one per atom) as a positive ``(count,)`` array."""
    masses = np.asarray(masses, dtype=np.float64)
    if masses.shape not in ((), (count,)):
        raise PhysicsError(f"masses must be one number or one per atom, shape ({count},); got "
                           f"shape {masses.shape}")
    if not np.all(masses > 0):
        raise PhysicsError("masses must be positive")
    return np.broadcast_to(masses, (count,)).copy()


def stress(energy: Callable, positions, space: Space, **kwargs) -> np.ndarray:
    """The 3x3 stress tensor ``(1/V) dE/d(strain)`` at zero strain (ASE's sign convention:
    positive when the system pulls inwards, i.e. under tension).

    The strain derivative deforms positions and cell together by ``(I + eps)`` with symmetric
    ``eps``; it includes every term of the energy, with no hand-written virial.

    Parameters
    ----------
    energy : callable
        ``energy(positions, strain=eps, **kwargs)``.
    positions : (N, 3) array
    space : Space
        The periodic space (its volume divides the derivative).
    **kwargs
        Passed on to ``energy``.

    Returns
    -------
    (3, 3) ndarray
        Symmetric; energy per volume in the units of ``energy`` and ``positions``.

    Raises
    ------
    PhysicsError
        For free space (no volume) or an energy that does not accept ``strain``.
    """
    volume = space.volume

    def strained_energy(strain):
        symmetric = 0.5 * (strain + np.swapaxes(strain, 0, 1))
        return energy(positions, strain=symmetric, **kwargs)

    try:
        derivative = grad(strained_energy)(np.zeros((3, 3)))
    except TypeError as exc:
        if "strain" not in str(exc):
            raise
        raise PhysicsError(
            "stress() needs an energy that accepts strain=: deform displacements with "
            "space.displacement(a, b, strain) in your energy, or use sciad.physics.pair_energy"
        ) from exc
    return derivative / volume


def hessian(energy: Callable, positions, *args, **kwargs) -> np.ndarray:
    """The exact ``(3N, 3N)`` Hessian ``d2E / dx_a dx_b`` (atom-major: x0, y0, z0, x1 ...).

    Energies from :func:`pair_energy` assemble it from per-pair 3x3 blocks (three
    Hessian-vector products whatever N); any other energy gets the engine's reverse-over-reverse
    Hessian (3N backward passes).

    Parameters
    ----------
    energy, positions, *args, **kwargs
        As for :func:`forces`.

    Returns
    -------
    (3N, 3N) ndarray
        Symmetric; rows of a free system's translations sum to zero.

    Examples
    --------
    >>> bond = sciad.physics.harmonic_bond([[0, 1]], k=2.0, r0=1.0)
    >>> energy = sciad.physics.pair_energy(bond, sciad.physics.free())
    >>> sciad.physics.hessian(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]))[0].tolist()
    [2.0, 0.0, 0.0, -2.0, 0.0, 0.0]
    """
    positions = _positions_array(positions)
    pair_hessian = getattr(energy, "pair_hessian", None)
    # the pair-block assembly works on values; under an outer transform (say the gradient of a
    # Hessian with respect to the parameters) the engine's Hessian keeps the derivative
    traced = any(type(leaf) is Tensor for leaf in tree_leaves((positions, args)))
    if pair_hessian is not None and not kwargs and len(args) <= 1 and not traced:
        return pair_hessian(positions, *args)
    count = np.shape(positions)[0]
    matrix = engine_hessian(energy)(positions, *args, **kwargs)
    return np.reshape(matrix, (3 * count, 3 * count))


@dataclass
class NormalModes:
    """Harmonic vibrations: ``frequencies[k]`` with displacement pattern ``modes[k]`` (N, 3).

    Frequencies are angular, ``sqrt(eigenvalue)`` of the mass-weighted Hessian in the units
    of sqrt(energy / (mass length^2)), times ``unit``; imaginary ones (negative eigenvalues,
    saddle points) are reported as negative numbers. ``modes`` are the mass-weighted
    eigenvectors (orthonormal), reshaped to (3N, N, 3), sorted by eigenvalue.
    ``frequency_unit`` names the unit of ``frequencies`` (and travels in :meth:`to_dict`).
    """

    frequencies: np.ndarray
    eigenvalues: np.ndarray
    modes: np.ndarray
    frequency_unit: str = _NATIVE_FREQUENCY_UNIT

    def zero_modes(self, tolerance: float = 1e-6) -> int:
        """How many eigenvalues are zero within ``tolerance`` times the largest one."""
        scale = max(np.max(np.abs(self.eigenvalues)), np.finfo(float).tiny)
        return int(np.sum(np.abs(self.eigenvalues) < tolerance * scale))

    def to_dict(self) -> dict:
        """JSON-ready: arrays become nested lists; the frequency unit comes along."""
        return {"frequencies": self.frequencies.tolist(), "eigenvalues": self.eigenvalues.tolist(),
                "modes": self.modes.tolist(), "frequency_unit": self.frequency_unit}


def normal_modes(energy: Callable, positions, masses, *args, unit: float = 1.0,
                 unit_name: str | None = None, **kwargs) -> NormalModes:
    """Normal modes from the exact Hessian.

    Parameters
    ----------
    energy : callable
    positions : (N, 3) array
        A stationary point (relax first: at a non-stationary point the modes mean little).
    masses : float or (N,) array
    unit : float
        Multiplies the frequencies; ``INV_CM_PER_UNIT_FREQUENCY`` turns eV, Angstrom and amu
        into wavenumbers (cm^-1).
    unit_name : str, optional
        The name of the unit ``unit`` converts to, stored in ``NormalModes.frequency_unit``;
        by default "cm^-1" for ``INV_CM_PER_UNIT_FREQUENCY``, the native unit for 1.0.

    Returns
    -------
    NormalModes
        A free molecule has six (linear: five) zero modes, a periodic crystal three.
    """
    positions = np.asarray(positions, dtype=np.float64)
    count = len(positions)
    masses = _atom_masses(masses, count)
    matrix = hessian(energy, positions, *args, **kwargs)
    inverse_sqrt_mass = np.repeat(1.0 / np.sqrt(masses), 3)
    weighted = matrix * inverse_sqrt_mass[:, None] * inverse_sqrt_mass[None, :]
    eigenvalues, vectors = np.linalg.eigh(0.5 * (weighted + weighted.T))
    frequencies = np.sign(eigenvalues) * np.sqrt(np.abs(eigenvalues)) * unit
    return NormalModes(frequencies, eigenvalues, vectors.T.reshape(3 * count, count, 3),
                       unit_name or _frequency_unit_name(unit))


def _frequency_unit_name(unit: float) -> str:
    if unit == 1.0:
        return _NATIVE_FREQUENCY_UNIT
    if unit == INV_CM_PER_UNIT_FREQUENCY:
        return "cm^-1"
    return f"{unit:.10g} x {_NATIVE_FREQUENCY_UNIT}"


def parameter_gradient(energy: Callable, positions, params: dict) -> dict:
    """The derivative of the energy with respect to the potential's parameters.

    Parameters
    ----------
    energy : callable
        ``energy(positions, params)``, as :func:`pair_energy` builds.
    positions : (N, 3) array_like
    params : dict
        Parameter values by name (scalars, per-species tables, per-atom charges ...).

    Returns
    -------
    dict
        ``dE/d(params)``, with the structure and shapes of ``params``.

    Examples
    --------
    >>> energy = sciad.physics.pair_energy(sciad.physics.lennard_jones(), sciad.physics.free())
    >>> g = sciad.physics.parameter_gradient(energy, np.array([[0.0, 0, 0], [1.0, 0, 0]]),
    ...                                      {"epsilon": 1.0, "sigma": 1.0})
    >>> float(g["epsilon"]), float(g["sigma"])   # E / epsilon, 4 (12 - 6) at r = sigma
    (0.0, 24.0)
    """
    return grad(energy, argnums=1)(positions, params)


def forces_parameter_jacobian(energy: Callable, positions, params: dict) -> dict:
    """The Jacobian of the forces with respect to the potential's parameters.

    For force matching, differentiate your loss instead: ``sciad.grad(lambda p: np.sum(
    (sciad.physics.forces(energy, x, p) - reference) ** 2))(params)`` costs two passes.

    Parameters
    ----------
    energy, positions, params
        As for :func:`parameter_gradient`.

    Returns
    -------
    dict
        For every parameter, ``d(forces)/d(param)`` of shape ``(N, 3) + param.shape``.
    """
    return jacobian(lambda p: forces(energy, positions, p))(params)
