"""Pair potentials as pair-energy factories, vectorised over pairs.

Each factory returns a :class:`PairPotential`: a function of the pair distances ``r`` (one entry
per pair) and of named parameters, plus its cutoff treatment. The energy module gathers the
distances and the per-pair parameters and sums; this module only knows about one pair at a time
(but always evaluates all of them in one NumPy call).

Parameters may be

* scalars (the same for every pair),
* ``(S, S)`` arrays indexed by the species of the two atoms (``epsilon[s_i, s_j]``; the
  upper triangle ``[min, max]`` is read, so an asymmetric table cannot make the energy
  depend on the atom numbering), or
* per-atom arrays for the names in ``PairPotential.per_atom`` (charges: the pair gets
  ``q_i * q_j``), or per-bond arrays for bonded terms.

Cutoffs: a hard ``cutoff`` with the energy shifted to zero there (``shift=True``), or a smooth
cutoff with ``r_onset``: the energy is multiplied by the quintic switch
``S(x) = 1 - 10x^3 + 15x^4 - 6x^5`` with ``x = (r - r_onset) / (cutoff - r_onset)``, which has
continuous first and second derivatives, so forces and Hessians stay continuous.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.special

from .space import PhysicsError

__all__ = ["PairPotential", "lennard_jones", "morse", "soft_sphere", "harmonic_bond", "coulomb",
           "smooth_switch", "potential_by_name", "POTENTIAL_NAMES"]


@dataclass(frozen=True, eq=False)
class PairPotential:
    """A pair energy ``function(r, **params)`` with its default parameters and cutoff.

    Attributes
    ----------
    name : str
    function : callable
        ``function(r, **params) -> energies``, elementwise over pairs, without cutoff handling.
    params : dict
        Default parameter values; energies accept overrides (for fitting and derivatives).
    cutoff : float or None
        Pairs at ``r >= cutoff`` contribute nothing; None: every pair counts.
    shift : bool
        Subtract the energy at the cutoff so that it is continuous there (hard cutoff only).
    r_onset : float or None
        Smooth cutoff: switch the energy off between ``r_onset`` and ``cutoff``.
    bonds : (B, 2) int array or None
        Bonded terms act on these fixed pairs instead of on neighbours.
    per_atom : tuple of str
        Parameters given per atom; a pair gets the product of its two atoms' values.
    """

    name: str
    function: Callable
    params: dict
    cutoff: float | None = None
    shift: bool = False
    r_onset: float | None = None
    bonds: np.ndarray | None = None
    per_atom: tuple = field(default_factory=tuple)

    def __call__(self, r, **params):
        """Pair energies at distances ``r`` with the cutoff treatment applied; ``params``
        override the defaults."""
        params = {**self.params, **params}
        energies = self.function(r, **params)
        if self.cutoff is None:
            return energies
        if self.r_onset is not None:
            energies = energies * smooth_switch(r, self.r_onset, self.cutoff)
        elif self.shift:
            energies = energies - self.function(self.cutoff, **params)
        return np.where(r < self.cutoff, energies, 0.0)


def smooth_switch(r, r_onset: float, cutoff: float):
    """The smooth cutoff factor: 1 below ``r_onset``, 0 beyond ``cutoff``, in between the
    quintic ``1 - 10x^3 + 15x^4 - 6x^5``, ``x = (r - r_onset) / (cutoff - r_onset)``, whose
    first and second derivatives vanish at both ends (C2).

    Parameters
    ----------
    r : array_like or Tensor
        Distances.
    r_onset, cutoff : float
        Where the switch starts and where it reaches zero.

    Returns
    -------
    ndarray (Tensor when traced)

    Examples
    --------
    >>> sciad.physics.smooth_switch(np.array([1.0, 2.25, 3.0]), 2.0, 2.5).tolist()
    [1.0, 0.5, 0.0]
    """
    x = np.clip((r - r_onset) / (cutoff - r_onset), 0.0, 1.0)
    return 1.0 - x * x * x * (10.0 - 15.0 * x + 6.0 * x * x)


def _check_cutoff(cutoff, r_onset, shift):
    if cutoff is not None and not cutoff > 0:
        raise PhysicsError(f"cutoff must be positive, got {cutoff}")
    if r_onset is not None:
        if cutoff is None:
            raise PhysicsError("r_onset (a smooth cutoff) needs a cutoff as well")
        if not 0 <= r_onset < cutoff:
            raise PhysicsError(f"r_onset must lie in [0, cutoff), got r_onset={r_onset}, "
                               f"cutoff={cutoff}")
    return (float(cutoff) if cutoff is not None else None,
            float(r_onset) if r_onset is not None else None,
            bool(shift) and r_onset is None)


def _lennard_jones(r, epsilon, sigma):
    s2 = np.square(sigma / r)  # square and products, not np.power: several times faster
    s6 = np.square(s2) * s2
    return 4.0 * epsilon * (np.square(s6) - s6)


def lennard_jones(epsilon=1.0, sigma=1.0, cutoff: float | None = None, shift: bool = True,
                  r_onset: float | None = None) -> PairPotential:
    """Lennard-Jones, ``4 epsilon ((sigma/r)^12 - (sigma/r)^6)``.

    Parameters
    ----------
    epsilon, sigma : float or (S, S) array
        Well depth and zero-crossing distance (per species pair if 2-D).
    cutoff : float, optional
        Interaction range (2.5 sigma is usual); None: all pairs (free clusters).
    shift : bool
        Shift the energy to zero at the cutoff (ignored with ``r_onset``).
    r_onset : float, optional
        Start of the smooth switch to zero at ``cutoff``.

    Returns
    -------
    PairPotential

    Examples
    --------
    >>> lj = sciad.physics.lennard_jones()
    >>> float(lj(np.array([2.0 ** (1 / 6)]))[0])
    -1.0
    """
    cutoff, r_onset, shift = _check_cutoff(cutoff, r_onset, shift)
    return PairPotential("lennard_jones", _lennard_jones,
                         {"epsilon": np.asarray(epsilon, float), "sigma": np.asarray(sigma, float)},
                         cutoff, shift, r_onset)


def _morse(r, D, a, r0):
    decay = np.exp(-a * (r - r0))
    return D * (1.0 - decay) ** 2 - D


def morse(D=1.0, a=1.0, r0=1.0, cutoff: float | None = None, shift: bool = True,
          r_onset: float | None = None) -> PairPotential:
    """Morse, ``D (1 - exp(-a (r - r0)))^2 - D``: minimum ``-D`` at ``r0``, zero far away.

    Parameters
    ----------
    D, a, r0 : float or (S, S) array
        Well depth, inverse width and equilibrium distance.
    cutoff, shift, r_onset
        As for :func:`lennard_jones`.

    Returns
    -------
    PairPotential

    Examples
    --------
    >>> float(sciad.physics.morse(D=0.5, a=2.0, r0=1.2)(np.array([1.2]))[0])
    -0.5
    """
    cutoff, r_onset, shift = _check_cutoff(cutoff, r_onset, shift)
    return PairPotential("morse", _morse, {"D": np.asarray(D, float), "a": np.asarray(a, float),
                                            "r0": np.asarray(r0, float)},
                         cutoff, shift, r_onset)


def _soft_sphere(r, epsilon, sigma, alpha):
    overlap = 1.0 - r / sigma
    overlap = np.where(overlap > 0, overlap, 0.0)  # keeps power() away from negative bases
    return epsilon / alpha * overlap ** alpha


def soft_sphere(epsilon=1.0, sigma=1.0, alpha: float = 2.0) -> PairPotential:
    """Soft repulsive spheres, ``epsilon / alpha (1 - r/sigma)^alpha`` for ``r < sigma``.

    Parameters
    ----------
    epsilon, sigma : float or (S, S) array
        Energy scale and diameter; the cutoff is the largest sigma.
    alpha : float
        Stiffness exponent (2: harmonic overlap), greater than 1.

    Returns
    -------
    PairPotential
        Its cutoff is the largest sigma.
    """
    if not alpha > 1:
        raise PhysicsError(f"soft_sphere needs alpha > 1 for a continuous force, got {alpha}")
    sigma = np.asarray(sigma, float)
    return PairPotential("soft_sphere", _soft_sphere,
                         {"epsilon": np.asarray(epsilon, float), "sigma": sigma,
                          "alpha": float(alpha)},
                         cutoff=float(np.max(sigma)))


def _harmonic_bond(r, k, r0):
    stretch = r - r0
    return 0.5 * k * stretch * stretch


def harmonic_bond(bonds, k=1.0, r0=1.0) -> PairPotential:
    """Harmonic bonds, ``k/2 (r - r0)^2``, on fixed atom pairs.

    Parameters
    ----------
    bonds : (B, 2) int array
        The bonded atom pairs.
    k, r0 : float or (B,) array
        Force constant and rest length (per bond if 1-D).

    Returns
    -------
    PairPotential
        Acting on ``bonds`` only (no neighbor list needed).
    """
    bonds = np.asarray(bonds)
    if bonds.ndim != 2 or bonds.shape[1] != 2 or bonds.dtype.kind not in "iu":
        raise PhysicsError(f"bonds must be a (B, 2) integer array of atom indices, got shape "
                           f"{bonds.shape} and dtype {bonds.dtype}")
    if np.any(bonds[:, 0] == bonds[:, 1]):
        raise PhysicsError("a bond joins an atom to itself: "
                           f"row {int(np.argmax(bonds[:, 0] == bonds[:, 1]))} of bonds")
    return PairPotential("harmonic_bond", _harmonic_bond,
                         {"k": np.asarray(k, float), "r0": np.asarray(r0, float)},
                         bonds=bonds.astype(np.intp))


def _damped_shifted_force(cutoff):
    def energy(r, charges, alpha, coulomb_constant):
        # Fennell & Gezelter (2006), eq. 19: the screened Coulomb term shifted so that both the
        # energy and the force vanish at the cutoff
        erfc_at_cutoff = scipy.special.erfc(alpha * cutoff)
        slope = (erfc_at_cutoff / cutoff ** 2
                 + 2.0 * alpha / np.sqrt(np.pi) * np.exp(-(alpha * cutoff) ** 2) / cutoff)
        shifted = (scipy.special.erfc(alpha * r) / r - erfc_at_cutoff / cutoff
                   + slope * (r - cutoff))
        return coulomb_constant * charges * shifted
    return energy


def coulomb(charges, alpha: float = 0.2, cutoff: float = 10.0, coulomb_constant: float = 1.0,
            r_onset: float | None = None) -> PairPotential:
    """Damped shifted force (DSF) Coulomb interaction for periodic systems.

    Parameters
    ----------
    charges : (N,) array
        Atomic charges; a pair gets ``q_i q_j``.
    alpha : float
        Damping parameter (inverse length); 0.2 per Angstrom for a 10 Angstrom cutoff is usual.
    cutoff : float
        Energy and force go smoothly to zero here.
    coulomb_constant : float
        ``1/(4 pi eps0)`` in your units (14.399645 eV Angstrom / e^2).
    r_onset : float, optional
        Also switch smoothly to zero from here (the DSF form alone is C1 at the cutoff).

    Returns
    -------
    PairPotential

    Notes
    -----
    The self-energy term of the DSF method, constant for fixed charges, is not included.

    References
    ----------
    C. J. Fennell and J. D. Gezelter, J. Chem. Phys. 124, 234104 (2006).
    """
    if not alpha >= 0:
        raise PhysicsError(f"coulomb needs alpha >= 0, got {alpha}")
    cutoff, r_onset, _ = _check_cutoff(cutoff, r_onset, False)
    return PairPotential("coulomb", _damped_shifted_force(cutoff),
                         {"charges": np.asarray(charges, float), "alpha": np.asarray(alpha, float),
                          "coulomb_constant": np.asarray(coulomb_constant, float)},
                         cutoff=cutoff, r_onset=r_onset, per_atom=("charges",))


def potential_by_name(name: str, **options) -> PairPotential:
    """A neighbor-based pair potential by its short name (for command lines and model files).

    Parameters
    ----------
    name : str
        ``lj`` / ``lennard_jones``, ``morse`` or ``soft_sphere`` (case and ``-``/``_`` ignored).
    **options
        Keyword arguments of the factory.

    Returns
    -------
    PairPotential

    Examples
    --------
    >>> sciad.physics.potential_by_name("lj", cutoff=2.5).cutoff
    2.5
    """
    factory = POTENTIAL_NAMES.get(name.lower().replace("-", "_"))
    if factory is None:
        raise PhysicsError(f"unknown potential {name!r}; choose one of "
                           f"{sorted(POTENTIAL_NAMES)}")
    try:
        return factory(**options)
    except TypeError as exc:
        raise PhysicsError(f"potential {name!r}: {exc}") from None


POTENTIAL_NAMES = {"lj": lennard_jones, "lennard_jones": lennard_jones, "morse": morse,
                   "soft_sphere": soft_sphere}
