"""sciad quick start: exact derivatives of a plain-NumPy function, checked against finite differences.

Run:  python examples/quickstart.py
"""

import numpy as np

import sciad


def energy(x):
    """A small nonlinear function written in plain NumPy (nothing sciad-specific)."""
    return np.sum(np.sin(x) ** 2 + 0.5 * x ** 2) + np.log1p(np.exp(x[0] * x[1]))


x = np.array([0.3, -1.2, 2.0])
gradient = sciad.grad(energy)(x)
hessian = sciad.hessian(energy)(x)

fd_gradient = sciad.numerical_jacobian(energy, x)
fd_hessian = sciad.numerical_jacobian(sciad.grad(energy), x)

np.set_printoptions(precision=6, suppress=True)
print("f(x)     =", energy(x))
print("gradient =", gradient)
print("Hessian  =\n", hessian)
print("max |gradient - finite differences| = %.2e" % np.max(np.abs(gradient - fd_gradient)))
print("max |Hessian  - finite differences| = %.2e" % np.max(np.abs(hessian - fd_hessian)))
assert np.allclose(gradient, fd_gradient, rtol=1e-6, atol=1e-8)
assert np.allclose(hessian, fd_hessian, rtol=1e-5, atol=1e-7)
print("OK: exact derivatives agree with finite differences")
