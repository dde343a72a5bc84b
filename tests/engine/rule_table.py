"""Shared machinery of the table-driven rule tests: one ``Case`` per primitive and variant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import sciad
from sciad.engine.registry import function_name


@dataclass(frozen=True)
class Case:
    """One row: ``fun(*args)`` uses ``func`` and is differentiated in every argument."""

    func: object
    label: str
    fun: Callable
    args: tuple
    order: int = 2  # 1 for functions whose second derivative finite differences cannot see

    def __str__(self) -> str:
        return f"{function_name(self.func)}[{self.label}]"


def case_ids(cases) -> list[str]:
    return [str(case) for case in cases]


def check_against_finite_differences(case: Case) -> None:
    sciad.check_grads(case.fun, case.args, order=case.order)


def check_float32_preserved(case: Case) -> None:
    """float32 arguments get float32 gradients, and the values agree with float64 ones."""
    args32 = tuple(np.asarray(a, np.float32) for a in case.args)
    argnums = tuple(range(len(args32)))
    total = lambda *a: np.sum(case.fun(*a))  # noqa: E731
    grads32 = sciad.grad(total, argnums=argnums)(*args32)
    grads64 = sciad.grad(total, argnums=argnums)(*(a.astype(np.float64) for a in args32))
    for g32, g64 in zip(grads32, grads64):
        assert g32.dtype == np.float32, f"{case}: float32 argument got a {g32.dtype} gradient"
        np.testing.assert_allclose(g32, g64, rtol=2e-3, atol=2e-3, err_msg=str(case))


def functions_without_rows(registered, cases) -> list[str]:
    covered = {case.func for case in cases}
    return sorted(function_name(f) for f in registered if f not in covered)


def rule_tests(cases, registered):
    """The two table tests of a rule family, for a test module to bind at top level:
    every row against finite differences and in float32, and a row for every registered
    function (so that a rule added without a row fails)."""
    import pytest

    @pytest.mark.parametrize("case", cases, ids=case_ids(cases))
    def test_row(case):
        check_against_finite_differences(case)
        check_float32_preserved(case)

    def test_every_registered_function_has_a_row():
        assert functions_without_rows(registered, cases) == []

    return test_row, test_every_registered_function_has_a_row
