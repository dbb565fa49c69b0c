"""load_mnist never deletes or changes a cached file it cannot replace (issue 12.8)."""
import gzip
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from tinygrad_book.data import load_mnist, mnist
from tinygrad_book.data.mnist import ChecksumMismatchError, SampleFallbackWarning

pytestmark = pytest.mark.reliability
NAME = "t10k-images-idx3-ubyte.gz"


def _recompressed(fake_mnist, tmp_path):
    """A cache in tmp_path whose NAME is the same data re-compressed: valid, other bytes."""
    root = tmp_path / "data"
    load_mnist(source="full", root=root)
    path = root / "mnist" / NAME
    path.write_bytes(gzip.compress(gzip.decompress(fake_mnist.files[NAME]), compresslevel=1,
                                   mtime=12345))
    assert path.read_bytes() != fake_mnist.files[NAME]
    return root, path, path.read_bytes(), os.stat(path).st_mtime_ns


def _offline(monkeypatch):
    def offline(url):
        raise OSError("Network is unreachable")
    monkeypatch.setattr(mnist, "_fetch", offline)


def test_download_false_leaves_a_mismatching_file_and_says_so(fake_mnist, tmp_path):
    root, path, before, mtime = _recompressed(fake_mnist, tmp_path)
    fake_mnist.calls.clear()
    with pytest.raises(ChecksumMismatchError, match=rf"{NAME}' does not match the published "
                                                     r"file .* left as it is"):
        load_mnist(source="full", root=root, download=False)
    with pytest.warns(SampleFallbackWarning, match="does not match the published file .*left "
                                                   "as it is"):
        (x, _), _ = load_mnist(root=root, download=False)  # source="auto": the sample
    assert len(x) == 4000
    assert path.read_bytes() == before and os.stat(path).st_mtime_ns == mtime
    assert fake_mnist.calls == []  # download=False means no network either


def test_no_replacement_available_leaves_the_file_where_it_is(fake_mnist, tmp_path,
                                                               monkeypatch):
    root, path, before, _ = _recompressed(fake_mnist, tmp_path)
    _offline(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "deleted it" warning, nor any other
        with pytest.raises(ChecksumMismatchError, match=r"no verified replacement could be "
                                                         r"downloaded, so it was left as it is"):
            load_mnist(source="full", root=root)
    assert path.read_bytes() == before
    assert sorted(p.name for p in Path(root, "mnist").iterdir()) == sorted(
        name for name, _ in mnist.FILES.values())


def test_a_verified_download_replaces_a_mismatching_file_only_when_asked(fake_mnist, tmp_path):
    root, path, _, _ = _recompressed(fake_mnist, tmp_path)
    with pytest.warns(UserWarning, match="replaced it with a verified download"):
        _, (x, _) = load_mnist(source="full", root=root, download=True, normalize=False)
    assert path.read_bytes() == fake_mnist.files[NAME]
    np.testing.assert_array_equal(x.reshape(-1, 28, 28), fake_mnist.x_test)
