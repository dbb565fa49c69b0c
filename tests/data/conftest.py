"""Shared fixtures for the data tests: a private cache and no network, ever."""
import gzip
import hashlib
import urllib.error

import numpy as np
import pytest

from tinygrad_book.data import mnist


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Cache in a temporary directory; every download fails as if offline.

    Tests that want a working mirror replace ``mnist._fetch`` themselves.
    """
    monkeypatch.setenv("TINYGRAD_BOOK_DATA", str(tmp_path / "cache"))

    def offline(url):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(mnist, "_fetch", offline)


def idx_bytes(array):
    """An uncompressed IDX file for a uint8 or int32 array (the tests' own writer)."""
    array = np.asarray(array)
    code = {np.dtype("uint8"): 0x08, np.dtype("int32"): 0x0C}[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                         for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class FakeMNIST:
    """Four small gzipped IDX files (real digits from the sample) behind fake mirrors.

    ``responses[url]`` is what the fake network returns for ``url``: bytes,
    or an exception to raise; ``calls`` records every URL asked for.
    """

    MIRRORS = ("https://mirror-a.invalid/mnist/", "https://mirror-b.invalid/mnist/")

    def __init__(self, monkeypatch, n_train=12, n_test=5):
        with np.load(mnist.SAMPLE_PATH, allow_pickle=False) as z:
            self.x_train, self.t_train = z["x_train"][:n_train], z["t_train"][:n_train]
            self.x_test, self.t_test = z["x_test"][:n_test], z["t_test"][:n_test]
        arrays = {"train_images": self.x_train, "train_labels": self.t_train,
                  "test_images": self.x_test, "test_labels": self.t_test}
        self.files = {}  # filename -> gzipped bytes
        files_table = {}
        for key, (filename, _) in mnist.FILES.items():
            # mtime=0: identical bytes (and checksums) on every run
            data = gzip.compress(idx_bytes(arrays[key]), mtime=0)
            self.files[filename] = data
            files_table[key] = (filename, sha256(data))
        monkeypatch.setattr(mnist, "FILES", files_table)
        monkeypatch.setattr(mnist, "MIRRORS", self.MIRRORS)
        self.responses = {m + name: data for m in self.MIRRORS for name, data in self.files.items()}
        self.calls = []
        monkeypatch.setattr(mnist, "_fetch", self.fetch)

    def fetch(self, url):
        self.calls.append(url)
        response = self.responses[url]
        if isinstance(response, BaseException):
            raise response
        return response


@pytest.fixture
def fake_mnist(monkeypatch):
    return FakeMNIST(monkeypatch)


@pytest.fixture
def make_idx():
    """The IDX writer above, for tests that build their own files."""
    return idx_bytes
