"""sciad.plot renders every result type with Agg: bars, cells, lines and labels as expected."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sciad import plot  # noqa: E402
from sciad.sensitivity import dgsm, local, sobol  # noqa: E402

PROBLEM = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami_batch(x):
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _render(ax):
    """PNG bytes of the figure, and whether any pixel differs from the background."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    buffer.seek(0)
    image = plt.imread(buffer)
    plt.close(ax.figure)
    return image


def _not_blank(image):
    return np.ptp(image[..., :3]) > 0.1


@pytest.fixture
def axes():
    fig, ax = plt.subplots()
    return ax


def _bar_heights(ax, horizontal=False):
    return np.array([p.get_width() if horizontal else p.get_height() for p in ax.patches])


def test_tornado_of_local_sensitivities_ranks_signed_bars(axes):
    result = local(lambda p: {"h": p["g"] * p["t"] ** 2 / 2 - p["v"] * p["t"]},
                   {"g": 9.81, "t": 2.0, "v": 1.5}, units={"h": "m", "g": "m/s^2"})
    ax = plot.tornado(result, ax=axes)
    assert ax is axes
    # dh/dg = t^2/2 = 2, dh/dt = g t - v = 18.12, dh/dv = -t = -2: largest drawn on top (last);
    # read top-down, ties keep the parameters' order (g before v)
    np.testing.assert_allclose(_bar_heights(ax, horizontal=True), [-2.0, 2.0, 18.12])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["v", "g", "t"]
    assert "dh/dp" in ax.get_xlabel() and "m" in ax.get_xlabel()
    colors = [p.get_facecolor() for p in ax.patches]
    assert colors[0] != colors[1]  # positive and negative bars differ
    assert _not_blank(_render(ax))


def test_tornado_accepts_elasticities_and_global_results(axes):
    result = local(lambda p: {"rate": p["a"] ** 2 * p["b"]}, {"a": 3.0, "b": 2.0},
                   normalize="elasticity")
    ax = plot.tornado(result, ax=axes, top=1)
    np.testing.assert_allclose(_bar_heights(ax, horizontal=True), [2.0])
    assert "elasticity" in ax.get_xlabel()
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    bounds = dgsm(ishigami_batch, PROBLEM, n=64, vectorized=True, progress=False, bootstrap=0)
    plot.tornado(bounds, ax=ax)
    np.testing.assert_allclose(sorted(_bar_heights(ax, horizontal=True)),
                               sorted(bounds.upper_bound))
    with pytest.raises(TypeError, match="LocalSensitivity"):
        plot.tornado({"a": 1}, ax=ax)
    plt.close(fig)


def test_heatmap_has_one_cell_per_entry(axes):
    times = np.linspace(0.0, 1.0, 4)
    result = local(lambda p: {"y": p["a"] * np.exp(-p["k"] * times)}, {"a": 2.0, "k": 0.5})
    ax = plot.heatmap(result, ax=axes)
    cells = ax.images[0].get_array()
    assert cells.shape == (4, 2)
    np.testing.assert_allclose(cells, result.matrix)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "k"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"y[{i}]" for i in range(4)]
    assert len(ax.texts) == 8  # annotated cells
    lo, hi = ax.images[0].get_clim()
    assert lo == pytest.approx(-hi)
    assert _not_blank(_render(ax))


def test_dgsm_bars_with_intervals_and_sobol_beside(axes):
    bounds = dgsm(ishigami_batch, PROBLEM, n=256, vectorized=True, progress=False, bootstrap=50)
    totals = sobol(ishigami_batch, PROBLEM, n=256, vectorized=True, progress=False, bootstrap=50)
    ax = plot.dgsm_bars(bounds, ax=axes, sobol=totals)
    heights = _bar_heights(ax)
    assert len(heights) == 6
    np.testing.assert_allclose(heights[:3], bounds.upper_bound)
    np.testing.assert_allclose(heights[3:], totals.total)
    kinds = [type(c).__name__ for c in ax.containers]
    assert kinds.count("BarContainer") == 2 and kinds.count("ErrorbarContainer") == 2
    whiskers = ax.containers[0].lines[2][0].get_segments()  # the DGSM bars' intervals
    np.testing.assert_allclose([[seg[0][1], seg[1][1]] for seg in whiskers],
                               bounds.ci["upper_bound"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x1", "x2", "x3"]
    assert "Sobol" in ax.get_ylabel() and ax.get_legend() is not None
    assert _not_blank(_render(ax))


def test_sobol_bars_first_and_total(axes):
    totals = sobol(ishigami_batch, PROBLEM, n=128, vectorized=True, progress=False, bootstrap=20)
    ax = plot.sobol_bars(totals, ax=axes)
    np.testing.assert_allclose(_bar_heights(ax), np.concatenate([totals.first, totals.total]))
    with pytest.raises(TypeError, match="SobolResult"):
        plot.dgsm_bars(totals, ax=ax)


def test_plots_default_to_the_current_axes():
    result = local(lambda p: {"y": p["a"] * 2.0}, {"a": 1.0})
    fig, ax = plt.subplots()
    assert plot.tornado(result) is ax
    plt.close(fig)


class _OdeLike:
    """The fields of sciad.ode.OdeResult that over_time reads (the real one is tested below)."""

    def __init__(self):
        self.t = np.linspace(0, 1, 5)
        self.y = np.vstack([np.exp(-self.t), 1 - np.exp(-self.t)])
        self.dy_dp = np.zeros((2, 2, 5))
        self.dy_dp[0, 0] = -self.t * np.exp(-self.t)
        self.dy_dp[0, 1] = 0.5
        self.dy_dy0 = np.ones((2, 2, 5))
        self.param_names = ["k", "m"]


def test_over_time_draws_one_trajectory_per_parameter(axes):
    result = _OdeLike()
    ax = plot.over_time(result, ax=axes, state="A", state_names=["A", "B"], time_unit="s")
    lines = [line for line in ax.get_lines() if line.get_label() in ("k", "m")]
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), result.dy_dp[0, 0])
    assert ax.get_xlabel() == "time [s]" and "dA/dp" in ax.get_ylabel()
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    plot.over_time(result, ax=ax, parameters=["m"], normalize=True)
    (line,) = [line for line in ax.get_lines() if line.get_label() == "m"]
    np.testing.assert_allclose(line.get_ydata(), 0.5 / result.y[0])
    with pytest.raises(KeyError, match="no parameter named 'z'"):
        plot.over_time(result, ax=ax, parameters=["z"])
    plt.close(fig)


def test_over_time_with_a_real_ode_solution(axes):
    ode = pytest.importorskip("sciad.ode")
    result = ode.solve_ivp(lambda t, y, p: -p["k"] * y, (0.0, 2.0), [1.0], params={"k": 0.5},
                           sensitivity="forward", t_eval=np.linspace(0, 2, 9), rtol=1e-10,
                           atol=1e-12)
    ax = plot.over_time(result, ax=axes)
    (line,) = [line for line in ax.get_lines() if line.get_label() == "k"]
    t = np.linspace(0, 2, 9)
    np.testing.assert_allclose(line.get_ydata(), -t * np.exp(-0.5 * t), atol=1e-7)
    assert _not_blank(_render(ax))


def test_greeks_profile_against_spot(axes):
    finance = pytest.importorskip("sciad.finance")
    spot = np.linspace(60.0, 140.0, 41)
    greeks = finance.greeks(spot, 100.0, 0.5, 0.01, 0.2)
    ax = plot.greeks_profile(greeks, spot, ax=axes, greek="delta", x_unit="USD")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), greeks.delta)
    assert np.all(np.diff(line.get_ydata()) > 0)  # a call's delta rises with spot
    assert ax.get_xlabel() == "spot [USD]" and greeks.units["delta"] in ax.get_ylabel()
    with pytest.raises(ValueError, match="different units"):
        plot.greeks_profile(greeks, spot, ax=ax, greek=["delta", "vega"])
    with pytest.raises(ValueError, match="shape"):
        plot.greeks_profile(greeks, spot[:3], ax=ax)
    assert _not_blank(_render(ax))


def test_convergence_from_values_and_from_a_history_dict(axes):
    ax = plot.convergence([10.0, 1.0, 0.1, 0.01], ax=axes)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [10.0, 1.0, 0.1, 0.01])
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iteration"
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    plot.convergence({"history": {"fun": [3.0, -1.0, -2.0], "grad_norm": [4.0, 1.0, 0.1]}},
                     ax=ax)
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "linear"
    with pytest.raises(TypeError, match="no history"):
        plot.convergence({"x": [1.0], "fun": 3.0}, ax=ax)
    plt.close(fig)


def test_convergence_of_a_real_minimisation(axes):
    optimize = pytest.importorskip("sciad.optimize")
    history = []
    optimize.minimize(lambda x: np.sum((x - 1.0) ** 2) + 1.0, np.zeros(3), method="BFGS",
                      callback=lambda intermediate_result: history.append(
                          intermediate_result.fun))
    ax = plot.convergence(history, ax=axes)
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(1.0)


class _Modes:
    frequencies = np.array([-50.0, 0.0, 0.0, 0.0, 120.0, 300.0, 300.0])
    eigenvalues = np.sign(frequencies) * frequencies ** 2


def test_mode_spectrum_skips_zero_modes_and_marks_imaginary(axes):
    ax = plot.mode_spectrum(_Modes(), ax=axes, unit="cm^-1")
    sticks = [c for c in ax.collections]
    positions = np.concatenate([[seg[0][0] for seg in c.get_segments()] for c in sticks])
    np.testing.assert_allclose(np.sort(positions), [-50.0, 120.0, 300.0, 300.0])
    assert ax.get_xlabel() == "frequency [cm^-1]" and ax.get_legend() is not None
    assert _not_blank(_render(ax))


def test_mode_spectrum_of_a_real_diatomic(axes):
    physics = pytest.importorskip("sciad.physics")
    stiffness, masses = 4.0, np.array([1.0, 3.0])

    def spring(positions):
        bond = positions[1] - positions[0]
        return 0.5 * stiffness * (np.sqrt(np.sum(bond * bond)) - 1.0) ** 2

    modes = physics.normal_modes(spring, np.array([[0.0, 0, 0], [1.0, 0, 0]]), masses)
    ax = plot.mode_spectrum(modes, ax=axes)
    (sticks,) = ax.collections
    # one vibration, omega = sqrt(k / reduced mass); the five zero modes are left out
    reduced = masses[0] * masses[1] / masses.sum()
    np.testing.assert_allclose([seg[0][0] for seg in sticks.get_segments()],
                               [np.sqrt(stiffness / reduced)], rtol=1e-10)


def test_heatmap_tolerates_undefined_elasticities(axes):
    with pytest.warns(RuntimeWarning, match="undefined"):
        result = local(lambda p: p["a"] * np.array([0.0, 2.0]), {"a": 3.0},
                       normalize="elasticity")
    ax = plot.heatmap(result, ax=axes)
    assert ax.images[0].get_clim() == (-1.0, 1.0)  # scaled by the finite entries only
    assert [t.get_text() for t in ax.texts] == ["nan", "1"]


def test_heatmap_labels_carry_units(axes):
    times = np.linspace(0.0, 1.0, 3)
    result = local(lambda p: {"conc": p["a"] * np.exp(-p["k"] * times)}, {"a": 2.0, "k": 0.5},
                   units={"a": "mg/L", "k": "1/h", "conc": "mg/L"})
    ax = plot.heatmap(result, ax=axes)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a [mg/L]", "k [1/h]"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"conc[{i}] [mg/L]" for i in range(3)]
    colorbar_label = ax.figure.axes[-1].get_ylabel()
    assert "output unit / parameter unit" in colorbar_label
    # entries keep their values: d conc / d k = -a t exp(-k t)
    np.testing.assert_allclose(ax.images[0].get_array()[:, 1],
                               -2.0 * times * np.exp(-0.5 * times))


def test_over_time_picks_the_right_state_and_parameter_of_a_chain(axes):
    # A -> B -> with rates k1, k2: B(t) = k1 / (k2 - k1) (exp(-k1 t) - exp(-k2 t)); its
    # derivatives by central differences of the closed form
    ode = pytest.importorskip("sciad.ode")
    t = np.linspace(0.0, 3.0, 7)

    def chain(time, y, p):
        return np.stack([-p["k1"] * y[0], p["k1"] * y[0] - p["k2"] * y[1]])

    result = ode.solve_ivp(chain, (0.0, 3.0), [1.0, 0.0], params={"k1": 0.7, "k2": 0.3},
                           sensitivity="forward", t_eval=t, rtol=1e-10, atol=1e-12)

    def b_of(k1, k2):
        return k1 / (k2 - k1) * (np.exp(-k1 * t) - np.exp(-k2 * t))

    h = 1e-6
    expected = {"k1": (b_of(0.7 + h, 0.3) - b_of(0.7 - h, 0.3)) / (2 * h),
                "k2": (b_of(0.7, 0.3 + h) - b_of(0.7, 0.3 - h)) / (2 * h)}
    ax = plot.over_time(result, ax=axes, state="B", state_names=["A", "B"], time_unit="h")
    drawn = {line.get_label(): line.get_ydata() for line in ax.get_lines()
             if line.get_label() in expected}
    for name in expected:
        np.testing.assert_allclose(drawn[name], expected[name], atol=1e-8)
    assert ax.get_xlabel() == "time [h]" and "dB/dp" in ax.get_ylabel()
