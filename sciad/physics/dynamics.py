"""Molecular dynamics driven by the engine's forces: velocity Verlet (NVE) and Langevin (NVT).

Both integrators call ``energy_and_forces`` once per step (one forward and one backward pass)
and return a :class:`Trajectory` of recorded frames with the potential, kinetic and total energy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .quantities import _atom_masses, energy_and_forces
from .space import PhysicsError, Space, free

__all__ = ["Trajectory", "simulate_nve", "simulate_langevin"]


@dataclass
class Trajectory:
    """Recorded frames of a simulation.

    Attributes
    ----------
    times : (F,) array
    positions, velocities : (F, N, 3) arrays
    potential_energy, kinetic_energy : (F,) arrays
    """

    times: np.ndarray
    positions: np.ndarray
    velocities: np.ndarray
    potential_energy: np.ndarray
    kinetic_energy: np.ndarray

    @property
    def total_energy(self) -> np.ndarray:
        return self.potential_energy + self.kinetic_energy

    @property
    def energy_drift(self) -> float:
        """Largest deviation of the total energy from its first value, relative to the first
        value's magnitude (the usual check of an NVE run)."""
        total = self.total_energy
        return float(np.max(np.abs(total - total[0])) / max(abs(total[0]), np.finfo(float).tiny))

    def temperature(self, boltzmann: float = 1.0, constraints: int = 3) -> np.ndarray:
        """Instantaneous temperature ``2 K / (k_B (3N - constraints))`` per frame."""
        dof = 3 * self.positions.shape[1] - constraints
        return 2.0 * self.kinetic_energy / (boltzmann * dof)

    def to_dict(self) -> dict:
        return {"times": self.times.tolist(), "potential_energy": self.potential_energy.tolist(),
                "kinetic_energy": self.kinetic_energy.tolist(),
                "total_energy": self.total_energy.tolist(), "energy_drift": self.energy_drift}


class _Recorder:
    def __init__(self, every: int):
        self.every = every
        self.frames: list = []

    def maybe_record(self, step, time, positions, velocities, potential, masses, last=False):
        if step % self.every == 0 or last:
            kinetic = 0.5 * float(np.sum(masses[:, None] * velocities * velocities))
            self.frames.append((time, positions.copy(), velocities.copy(), float(potential),
                                kinetic))

    def trajectory(self) -> Trajectory:
        times, positions, velocities, potential, kinetic = zip(*self.frames)
        return Trajectory(np.array(times), np.array(positions), np.array(velocities),
                          np.array(potential), np.array(kinetic))


def _prepare(positions, velocities, masses, dt, steps, record_every):
    positions = np.array(positions, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise PhysicsError(f"positions must have shape (N, 3), got {positions.shape}")
    velocities = (np.zeros_like(positions) if velocities is None
                  else np.array(velocities, dtype=np.float64))
    if velocities.shape != positions.shape:
        raise PhysicsError(f"velocities have shape {velocities.shape}, positions "
                           f"{positions.shape}")
    masses = _atom_masses(masses, len(positions))
    integers = all(isinstance(n, (int, np.integer)) for n in (steps, record_every))
    if not dt > 0 or not integers or steps < 0 or record_every < 1:
        raise PhysicsError(f"need dt > 0 and integers steps >= 0, record_every >= 1; got "
                           f"dt={dt}, steps={steps!r}, record_every={record_every!r}")
    return positions, velocities, masses


def _checked(energy, positions, step):
    potential, force = energy_and_forces(energy, positions)
    if not np.isfinite(potential) or not np.all(np.isfinite(force)):
        raise PhysicsError(f"the energy or forces became non-finite at step {step}: atoms "
                           "overlap or the time step is too large")
    return potential, force


def simulate_nve(energy: Callable, positions, velocities=None, masses=1.0, dt: float = 0.005,
                 steps: int = 1000, space: Space | None = None,
                 record_every: int = 10) -> Trajectory:
    """Constant-energy dynamics with velocity Verlet.

    Parameters
    ----------
    energy : callable
        ``energy(positions) -> float``.
    positions, velocities : (N, 3) arrays
        Initial state (velocities default to zero).
    masses : float or (N,) array
    dt : float
        Time step (0.005 in Lennard-Jones units is usual for liquids).
    steps : int
    space : Space, optional
        Positions are wrapped into its cell after every step.
    record_every : int
        Record every so many steps (the first and last frames are always recorded).

    Returns
    -------
    Trajectory
        ``trajectory.energy_drift`` is the relative drift of the total energy.

    References
    ----------
    W. C. Swope, H. C. Andersen, P. H. Berens, K. R. Wilson, J. Chem. Phys. 76, 637 (1982).
    """
    positions, velocities, masses = _prepare(positions, velocities, masses, dt, steps,
                                             record_every)
    space = space or free()
    inverse_mass = 1.0 / masses[:, None]
    potential, force = _checked(energy, positions, 0)
    recorder = _Recorder(record_every)
    recorder.maybe_record(0, 0.0, positions, velocities, potential, masses)
    for step in range(1, steps + 1):
        velocities = velocities + 0.5 * dt * force * inverse_mass
        positions = space.shift(positions, dt * velocities)
        potential, force = _checked(energy, positions, step)
        velocities = velocities + 0.5 * dt * force * inverse_mass
        recorder.maybe_record(step, step * dt, positions, velocities, potential, masses,
                              last=step == steps)
    return recorder.trajectory()


def simulate_langevin(energy: Callable, positions, velocities=None, masses=1.0,
                      dt: float = 0.005, steps: int = 1000, temperature: float = 1.0,
                      friction: float = 1.0, space: Space | None = None, record_every: int = 10,
                      seed: int | None = None, boltzmann: float = 1.0) -> Trajectory:
    """Constant-temperature (NVT) dynamics with the BAOAB Langevin integrator.

    Parameters
    ----------
    energy, positions, velocities, masses, dt, steps, space, record_every
        As for :func:`simulate_nve`.
    temperature : float
        Target temperature (in energy units when ``boltzmann`` is 1).
    friction : float
        Collision rate gamma (inverse time).
    seed : int, optional
        Seed of the random forces, for reproducible runs.
    boltzmann : float
        Boltzmann's constant in your units (1 in reduced units, 8.617333262e-5 eV/K).

    Returns
    -------
    Trajectory

    References
    ----------
    B. Leimkuhler and C. Matthews, Appl. Math. Res. Express 2013, 34 (2013).
    """
    positions, velocities, masses = _prepare(positions, velocities, masses, dt, steps,
                                             record_every)
    if not temperature >= 0 or not friction >= 0:
        raise PhysicsError("temperature and friction must be non-negative")
    space = space or free()
    rng = np.random.default_rng(seed)
    inverse_mass = 1.0 / masses[:, None]
    decay = np.exp(-friction * dt)
    noise_scale = np.sqrt((1.0 - decay * decay) * boltzmann * temperature * inverse_mass)
    potential, force = _checked(energy, positions, 0)
    recorder = _Recorder(record_every)
    recorder.maybe_record(0, 0.0, positions, velocities, potential, masses)
    for step in range(1, steps + 1):
        velocities = velocities + 0.5 * dt * force * inverse_mass              # B
        positions = space.shift(positions, 0.5 * dt * velocities)               # A
        velocities = decay * velocities + noise_scale * rng.standard_normal(positions.shape)  # O
        positions = space.shift(positions, 0.5 * dt * velocities)               # A
        potential, force = _checked(energy, positions, step)
        velocities = velocities + 0.5 * dt * force * inverse_mass              # B
        recorder.maybe_record(step, step * dt, positions, velocities, potential, masses,
                              last=step == steps)
    return recorder.trajectory()
