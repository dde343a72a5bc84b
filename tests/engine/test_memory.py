"""The graph is released after the backward pass: memory stays flat over many gradient calls."""

import gc
import os
import tracemalloc
import weakref

import numpy as np
import pytest

import sciad
from sciad.engine.graph import Node


def _f(x):
    return np.sum(np.tanh(x @ x) * np.sin(x) ** 2 + np.exp(-x))


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_many_grad_calls_do_not_grow_memory():
    x = np.linspace(-1.0, 1.0, 4)
    g = sciad.grad(lambda x: np.sum(np.sin(x) * x))
    for _ in range(2_000):  # warm caches (numpy dispatch tables, allocator pools)
        g(x)
    gc.collect()
    before = _resident_bytes()
    for _ in range(100_000):
        g(x)
    gc.collect()
    growth = _resident_bytes() - before
    # Each call builds nodes holding arrays (~1 kB); keeping even one node per call would leak
    # about 50 MB over 100,000 calls.
    assert growth < 10 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB"


def test_tracemalloc_sees_no_growth_over_many_calls():
    x = np.linspace(-1.0, 1.0, 8)
    g = sciad.grad(_f)
    for _ in range(200):
        g(x)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(2_000):
        g(x)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 50_000


def test_graph_nodes_are_freed_after_grad():
    x = np.linspace(-1.0, 1.0, 5)
    seen = []

    def f(x):
        y = np.sin(x) * x
        seen.append(weakref.ref(y._node))
        return np.sum(y)

    sciad.grad(f)(x)
    gc.collect()
    assert seen and seen[0]() is None


def test_object_api_backward_frees_intermediate_nodes():
    x = sciad.tensor(np.ones(4), requires_grad=True)
    y = np.exp(x) * 2.0
    ref = weakref.ref(y._node)
    loss = y.sum()
    del y
    loss.backward()
    del loss
    gc.collect()
    assert ref() is None
    assert isinstance(x._node, Node)  # the leaf stays usable for the next step


def test_jacobian_graph_is_released_after_use():
    refs = []

    def f(x):
        y = np.sin(x)
        refs.append(weakref.ref(y._node))
        return y * 3.0

    sciad.jacobian(f)(np.ones(3))
    gc.collect()
    assert refs[0]() is None
