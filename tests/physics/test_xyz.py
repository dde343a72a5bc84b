"""XYZ and extended XYZ reading and writing."""

import numpy as np
import pytest

import sciad.physics as phys
from sciad.physics.xyz import XYZFormatError

EXTENDED = """3
Lattice="5.0 0.0 0.0 0.0 6.0 0.0 0.0 0.0 7.0" Properties=species:S:1:pos:R:3:charge:R:1:fixed:L:1 energy=-1.25 label="two words" pbc="T T T"
O 0.0 0.0 0.0 -0.8 F
H 0.96 0.0 0.0 0.4 T
H -0.24 0.93 0.0 0.4 F
"""


def test_read_extended_xyz(tmp_path):
    path = tmp_path / "water.xyz"
    path.write_text(EXTENDED)
    frame = phys.read_xyz(path)
    assert frame.symbols == ["O", "H", "H"]
    np.testing.assert_array_equal(frame.positions[2], [-0.24, 0.93, 0.0])
    np.testing.assert_array_equal(frame.cell, np.diag([5.0, 6.0, 7.0]))
    assert frame.pbc == (True, True, True)
    np.testing.assert_array_equal(frame.arrays["charge"], [-0.8, 0.4, 0.4])
    np.testing.assert_array_equal(frame.arrays["fixed"], [False, True, False])
    assert frame.info == {"energy": -1.25, "label": "two words"}
    assert frame.space().periodic and frame.space().volume == pytest.approx(210.0)


def test_plain_xyz_and_multiple_frames(tmp_path):
    path = tmp_path / "traj.xyz"
    path.write_text("2\nfirst frame\nAr 0 0 0\nAr 3.8 0 0\n2\nsecond\nAr 0 0 0\nAr 3.9 0 0\n")
    frames = phys.read_xyz(path, index=None)
    assert len(frames) == 2 and frames[0].cell is None
    assert frames[0].info == {"comment": "first frame"}
    assert phys.read_xyz(path, index=-1).positions[1, 0] == 3.9
    assert not frames[1].space().periodic


def test_round_trip_with_forces(tmp_path):
    positions, box = phys.fcc_lattice(5.26, 2)
    space = phys.periodic(box)
    energy = phys.pair_energy(phys.lennard_jones(0.0104, 3.4, cutoff=5.2), space)
    rng = np.random.default_rng(0)
    positions = positions + rng.normal(scale=0.1, size=positions.shape)
    forces = phys.forces(energy, positions)
    frame = phys.XYZFrame(["Ar"] * len(positions), positions, np.diag(box), (True,) * 3,
                          {"forces": forces}, {"energy": float(energy(positions))})
    path = tmp_path / "argon.xyz"
    phys.write_xyz(path, [frame, frame])
    back = phys.read_xyz(path, index=1)
    assert back.symbols == frame.symbols
    np.testing.assert_allclose(back.positions, positions, atol=1e-10)
    np.testing.assert_allclose(back.arrays["forces"], forces, atol=1e-10)
    np.testing.assert_allclose(back.cell, np.diag(box))
    assert back.info["energy"] == pytest.approx(frame.info["energy"], rel=1e-9)


@pytest.mark.parametrize("text, message", [
    ("two\ncomment\nAr 0 0 0\n", "line 1: expected the number of atoms"),
    ("2\ncomment\nAr 0 0 0\n", "line 1: the file ends before the 2 atom lines"),
    ("2\ncomment\nAr 0 0 0\nAr 1 0\n", "line 4: expected 4 columns"),
    ("1\nProperties=species:S:1:pos:X:3\nAr 0 0 0\n", "line 2: bad column pos:X:3"),
    ('1\nLattice="1 0 0 0 1 0" Properties=species:S:1:pos:R:3\nAr 0 0 0\n', "Lattice needs 9"),
    ("1\ncomment\nAr 0 zero 0\n", "column 'pos' should hold type R"),
])
def test_bad_files_name_the_line(tmp_path, text, message):
    path = tmp_path / "bad.xyz"
    path.write_text(text)
    with pytest.raises(XYZFormatError, match=message):
        phys.read_xyz(path)


def test_mixed_periodicity_and_bad_arrays_raise(tmp_path):
    path = tmp_path / "slab.xyz"
    path.write_text('1\nLattice="5 0 0 0 5 0 0 0 20" pbc="T T F"\nAr 0 0 0\n')
    frame = phys.read_xyz(path)
    assert frame.pbc == (True, True, False)
    with pytest.raises(XYZFormatError, match="fully periodic or free"):
        frame.space()  # a slab is not free space: refusing beats dropping the images
    with pytest.raises(XYZFormatError, match="no Lattice"):
        phys.XYZFrame(["Ar"], np.zeros((1, 3)), pbc=(True,) * 3).space()
    bad = phys.XYZFrame(["Ar", "Ar"], np.zeros((2, 3)), arrays={"forces": np.zeros((3, 3))})
    with pytest.raises(XYZFormatError, match="'forces' has shape"):
        phys.write_xyz(tmp_path / "bad.xyz", bad)


def test_ase_reads_what_sciad_writes(tmp_path):
    ase_io = pytest.importorskip("ase.io")
    positions, box = phys.fcc_lattice(5.26, 1)
    forces = np.arange(12.0).reshape(4, 3)
    frame = phys.XYZFrame(["Ar"] * 4, positions, np.diag(box), (True,) * 3, {"forces": forces})
    phys.write_xyz(tmp_path / "argon.xyz", frame)
    atoms = ase_io.read(tmp_path / "argon.xyz")
    np.testing.assert_allclose(atoms.get_positions(), positions, atol=1e-10)
    np.testing.assert_allclose(atoms.cell[:], np.diag(box))
    np.testing.assert_allclose(atoms.get_forces(), forces)
    assert list(atoms.pbc) == [True] * 3
