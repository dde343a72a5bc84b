"""Test functions with known sensitivity measures, shared by the sensitivity tests."""

import numpy as np

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x):
    """Ishigami and Homma (1990) on one input vector."""
    return (np.sin(x[0]) + ISHIGAMI_A * np.sin(x[1]) ** 2
            + ISHIGAMI_B * x[2] ** 4 * np.sin(x[0]))


def ishigami_batch(x):
    """The same on a batch of rows, shape (n, 3) -> (n,)."""
    return (np.sin(x[:, 0]) + ISHIGAMI_A * np.sin(x[:, 1]) ** 2
            + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0]))


ISHIGAMI_PROBLEM = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami_exact():
    """Closed forms for x_i ~ U(-pi, pi): E[x^4] = pi^4/5, E[x^6] = pi^6/7, E[x^8] = pi^8/9."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, np.pi
    # E[cos^2 x1 (1 + b x3^4)^2], E[(a sin 2 x2)^2], E[(4 b x3^3 sin x1)^2]
    nu = np.array([0.5 * (1 + 2 * b * pi ** 4 / 5 + b ** 2 * pi ** 8 / 9),
                   a ** 2 / 2,
                   8 * b ** 2 * pi ** 6 / 7])
    variance = a ** 2 / 8 + b * pi ** 4 / 5 + b ** 2 * pi ** 8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + b * pi ** 4 / 5) ** 2, a ** 2 / 8, 8 * b ** 2 * pi ** 8 / 225
    first = np.array([v1, v2, 0.0]) / variance
    total = np.array([v1 + v13, v2, v13]) / variance
    return nu, first, total


G_COEFFICIENTS = np.array([0.0, 1.0, 4.5, 9.0, 99.0])


def g_function(x):
    """Sobol's G-function on a batch of rows in [0, 1]^D."""
    return np.prod((np.abs(4 * x - 2) + G_COEFFICIENTS) / (1 + G_COEFFICIENTS), axis=1)


def g_function_exact_nu(a=G_COEFFICIENTS):
    """nu_i = 16/(1+a_i)^2 prod_{j != i} E[g_j^2], with E[g_j^2] = 1 + 1/(3 (1+a_j)^2)."""
    second_moments = 1 + 1 / (3 * (1 + a) ** 2)
    return np.array([16 / (1 + a[i]) ** 2 * np.prod(np.delete(second_moments, i))
                     for i in range(len(a))])
