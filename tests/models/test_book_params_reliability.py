"""The book's params.pkl reader refuses a pickle that would change NumPy (issue 12.6)."""
import pickle

import numpy as np
import pytest

from tinygrad_book import models
from tinygrad_book.models.book_params import read_book_params

pytestmark = pytest.mark.reliability


def _unicode(text):
    data = text.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


def _build_on_frombuffer_then(params):
    """A pickle that BUILDs {'__name__': 'hacked', '__qualname__': 'hacked'} onto NumPy's
    _frombuffer, pops it, then holds a genuine dict of arrays."""
    genuine = pickle.dumps(params, protocol=2)
    attack = (b"cnumpy._core.numeric\n_frombuffer\n" + b"}("
              + _unicode("__name__") + _unicode("hacked")
              + _unicode("__qualname__") + _unicode("hacked") + b"u" + b"b" + b"0")
    return genuine[:2] + attack + genuine[2:]


def _frombuffer():
    import importlib
    for name in ("numpy._core.numeric", "numpy.core.numeric"):
        try:
            return importlib.import_module(name)._frombuffer
        except (ImportError, AttributeError):
            continue
    pytest.skip("this NumPy has no _frombuffer")


def test_build_on_numpys_frombuffer_is_refused_and_numpy_stays_intact(tmp_path):
    fn = _frombuffer()
    names = fn.__name__, fn.__qualname__
    path = tmp_path / "params.pkl"
    path.write_bytes(_build_on_frombuffer_then({"W1": np.ones((2, 3)), "b1": np.zeros(3)}))
    try:
        with pytest.raises(pickle.UnpicklingError, match=r"refusing to set the state of "
                                                         r"function"):
            read_book_params(path)
        assert (fn.__name__, fn.__qualname__) == names
        # What the attack broke: pickling a Fortran-ordered array with protocol 5.
        a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(a, protocol=5)), a)
    finally:
        fn.__name__, fn.__qualname__ = names  # never leave NumPy broken for later tests


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_genuine_book_files_of_every_protocol_still_load(tmp_path, protocol):
    params = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.float32([1, 2, 3]),
              "W2": np.asfortranarray(np.ones((3, 2), dtype=np.float32)),
              "gamma1": np.array(2.5), "n": np.int64([7])}
    path = tmp_path / "params.pkl"
    with open(path, "wb") as f:
        pickle.dump(params, f, protocol=protocol)
    loaded = read_book_params(path)
    assert sorted(loaded) == sorted(params)
    for k in params:
        np.testing.assert_array_equal(loaded[k], params[k])
        assert loaded[k].dtype == params[k].dtype


def test_build_on_a_class_is_refused(tmp_path):
    genuine = pickle.dumps({"W1": np.ones(2)}, protocol=2)
    attack = b"cnumpy\nndarray\n}" + _unicode("x") + _unicode("y") + b"sb0"
    path = tmp_path / "params.pkl"
    path.write_bytes(genuine[:2] + attack + genuine[2:])
    with pytest.raises(pickle.UnpicklingError, match="refusing to set the state of type"):
        models.load_book_params(models.SimpleConvNet(), path)
    assert not hasattr(np.ndarray, "x")
