"""MNIST: download, verify, cache and parse the four IDX files; or use the shipped sample.

:func:`load_mnist` returns what the book's ``dataset/mnist.py`` returns;
:class:`MNIST` is the same data as a PyTorch-style dataset.

Where the data comes from (``source=``):

- ``"full"``: the 60,000 + 10,000 digits, read from the cache directory
  (``root=``, else ``$TINYGRAD_BOOK_DATA``, else ``~/.cache/tinygrad_book``;
  files live in its ``mnist/`` sub-folder) and downloaded there first if
  missing. Never falls back.
- ``"sample"``: 5,000 real MNIST digits (4,000 train / 1,000 test, 500 of
  each class) shipped inside the package, for working offline.
- ``"auto"`` (default): ``"full"`` when it is cached or can be downloaded,
  else ``"sample"`` with a one-line :class:`SampleFallbackWarning`.
"""
import gzip
import hashlib
import http.client
import math
import os
import tempfile
import urllib.request
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Dataset

# Tried in order; each holds the same four files as the original MNIST site
# (which now often refuses scripted downloads, hence no entry for it).
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# SHA-256 of each gzipped file, as published in torchvision's prototype MNIST
# dataset (torchvision/prototype/datasets/_builtin/mnist.py); several other
# public MNIST loaders list the same four values. They were not recomputed
# here (no network where this was written). torchvision's MD5s, for checking
# a download by hand, in the same order as below:
# f68b3c2dcbeaaa9fbdd348bbdeb94873, d53e105ee54ea40749a09fcbcd1e9432,
# 9fb629c4189551a2d022fa330f9573f3, ec29112dd5afa0611ce80d1b7f02629c.
FILES = {
    "train_images": ("train-images-idx3-ubyte.gz",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}

SAMPLE_PATH = Path(__file__).parent / "mnist_sample.npz"
_SOURCES = ("auto", "full", "sample")
_SAMPLE_HINT = ('for offline use pass source="sample" (5,000 real MNIST digits shipped '
                'with tinygrad_book: 4,000 train / 1,000 test)')
_TIMEOUT = 30  # seconds per request; a dead mirror should not stall a run for minutes


class MNISTError(RuntimeError):
    """MNIST could not be loaded; the message says which file and why."""


class DownloadError(MNISTError):
    """No mirror delivered a file with the right checksum (network down or bad data)."""


class CorruptFileError(MNISTError):
    """A file is not a valid IDX file of the expected shape (truncated, wrong magic, ...)."""


class ChecksumMismatchError(DownloadError):
    """A cached file differs from the published one and no verified copy could replace it
    (the file is left where it is)."""


class SampleFallbackWarning(UserWarning):
    """``source="auto"`` could not get full MNIST and used the shipped sample."""


def _fetch(url):
    """Return the body of ``url`` as bytes. Tests replace this to simulate mirrors."""
    request = urllib.request.Request(url, headers={"User-Agent": "tinygrad_book"})
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
        return response.read()


# --------------------------------------------------------------------------- IDX

# IDX type codes (third byte of the magic number); multi-byte types are big-endian.
_IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def parse_idx(data, name="<bytes>"):
    """Parse an uncompressed IDX file's bytes into an array of shape ``dims``.

    Layout: two zero bytes, a type code, the number of dimensions ``d``, then
    ``d`` big-endian uint32 sizes, then the values. Raises
    :class:`CorruptFileError` naming ``name`` if anything does not add up.
    """
    if len(data) < 4:
        raise CorruptFileError(f"{name}: {len(data)} bytes is too short for an IDX header "
                               "(needs >= 4)")
    if data[0] != 0 or data[1] != 0:
        magic = int.from_bytes(data[:4], "big")
        raise CorruptFileError(f"{name}: bad IDX magic number 0x{magic:08x} "
                               "(first two bytes must be 0)")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise CorruptFileError(f"{name}: unknown IDX type code 0x{code:02x} "
                               f"(expected one of {', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)})")
    if ndim == 0:
        raise CorruptFileError(f"{name}: IDX header says 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise CorruptFileError(f"{name}: truncated header: {ndim} dimensions need {header} bytes, "
                               f"file has {len(data)}")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    count = math.prod(dims)  # Python ints: no overflow for absurd headers
    expected = count * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise CorruptFileError(f"{name}: file {what}: shape {dims} of {dtype.name} needs "
                               f"{expected} data bytes, found {got}")
    # frombuffer gives a read-only view of `data`; copy into native byte order.
    values = np.frombuffer(data, dtype, count=count, offset=header)
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def read_idx(path):
    """Read an IDX file, gzipped (by its magic bytes) or not; see :func:`parse_idx`."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:  # OSError covers gzip.BadGzipFile
            raise CorruptFileError(f"{path}: corrupt or truncated gzip data ({e})") from None
    return parse_idx(raw, name=str(path))


# ------------------------------------------------------------------- download/cache

def default_root():
    """The cache directory: ``$TINYGRAD_BOOK_DATA`` if set, else ``~/.cache/tinygrad_book``."""
    env = os.environ.get("TINYGRAD_BOOK_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "tinygrad_book"


def _mnist_dir(root):
    return (Path(root).expanduser() if root is not None else default_root()) / "mnist"


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path, data):
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The temporary file sits in the same directory so that ``os.replace`` is a
    rename within one file system, which is atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a cache file is ordinary data
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _cache_problem(path, sha256):
    """None if ``path`` holds the published bytes, "missing" if there is no file, else what is
    wrong with it. The file itself is never changed here."""
    if not path.is_file():
        return "missing"
    data = path.read_bytes()
    got = _sha256(data)
    if got == sha256:
        return None
    return (f"MNIST file {str(path)!r} does not match the published file ({len(data):,} bytes "
            f"with SHA-256 {got}, expected {sha256})")


def _download(filename, sha256, directory):
    """Fetch ``filename`` from the first mirror that serves the right bytes; return its path."""
    failures = []
    network_only = True
    for mirror in MIRRORS:
        url = mirror + filename
        try:
            data = _fetch(url)
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets
            failures.append(f"{url}: {e}")
            continue
        got = _sha256(data)
        if got != sha256:
            network_only = False
            failures.append(f"{url}: SHA-256 mismatch ({len(data)} bytes, sha256 {got}, "
                            f"expected {sha256})")
            continue
        path = directory / filename
        _write_atomic(path, data)
        return path
    why = " (is the network down?)" if network_only else ""
    raise DownloadError(f"could not download MNIST file {filename!r} from any mirror{why}; "
                        + "; ".join(failures) + f". {_SAMPLE_HINT}")


def _ensure_files(root, download):
    """Return ``{key: path}`` for the four files, downloading what is missing or damaged.

    A cached file whose bytes differ from the published ones (a partial copy, a
    re-compressed one) is never deleted: with ``download=False`` it is left as it is and
    a ChecksumMismatchError says so; with ``download=True`` it is replaced only once a
    verified copy has been downloaded, and left as it is if none can be.
    """
    directory = _mnist_dir(root)
    paths = {}
    for key, (filename, sha256) in FILES.items():
        path = directory / filename
        problem = _cache_problem(path, sha256)
        if problem is not None and not download:
            if problem == "missing":
                raise DownloadError(f"MNIST file {filename!r} is not in {directory} and "
                                    f"download=False; pass download=True to fetch it, or "
                                    f"{_SAMPLE_HINT}")
            raise ChecksumMismatchError(f"{problem}, so it was not used and was left as it is; "
                                        "pass download=True to replace it with a verified "
                                        f"copy, or {_SAMPLE_HINT}")
        if problem is not None:
            try:
                path = _download(filename, sha256, directory)
            except DownloadError as exc:
                if problem == "missing":
                    raise
                raise ChecksumMismatchError(f"{problem}, and no verified replacement could be "
                                            f"downloaded, so it was left as it is; {exc}") from None
            if problem != "missing":
                warnings.warn(f"{problem}: replaced it with a verified download", stacklevel=4)
        paths[key] = path
    return paths


def _read_split(images_path, labels_path):
    """Read and cross-check one split: uint8 images (N, 28, 28), int64 labels (N,)."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise CorruptFileError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                               f"got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise CorruptFileError(f"{labels_path}: expected uint8 labels of shape (N,), "
                               f"got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise CorruptFileError(f"{images_path} has {len(images)} images but {labels_path} "
                               f"has {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise CorruptFileError(f"{labels_path}: label {int(labels.max())} is not a digit 0-9")
    return images, labels.astype(np.int64)


def _load_full(root, download):
    paths = _ensure_files(root, download)
    return (_read_split(paths["train_images"], paths["train_labels"]),
            _read_split(paths["test_images"], paths["test_labels"]))


def _load_sample():
    if not SAMPLE_PATH.is_file():
        raise MNISTError(f"the offline MNIST sample {SAMPLE_PATH} is missing from the installed "
                         "package (it is package data: reinstall tinygrad_book)")
    with np.load(SAMPLE_PATH, allow_pickle=False) as z:
        return ((z["x_train"], z["t_train"].astype(np.int64)),
                (z["x_test"], z["t_test"].astype(np.int64)))


def _load_raw(source, root, download):
    """``((x_train, t_train), (x_test, t_test))`` as uint8 (N, 28, 28) / int64 (N,), and the source
    used."""
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {_SOURCES}, got {source!r}")
    if source == "sample":
        return _load_sample(), "sample"
    if source == "full":
        return _load_full(root, download), "full"
    try:
        return _load_full(root, download), "full"
    except DownloadError as e:
        first_clause = str(e).split(";")[0]
        warnings.warn(f"full MNIST unavailable ({first_clause}); using the 5,000-digit offline "
                      f'sample (source="sample")', SampleFallbackWarning, stacklevel=3)
        return _load_sample(), "sample"


# ---------------------------------------------------------------------- public API

def _one_hot(labels):
    out = np.zeros((labels.size, 10), dtype=np.float32)
    out[np.arange(labels.size), labels] = 1.0
    return out


def load_mnist(normalize=True, flatten=True, one_hot_label=False, root=None, download=True,
               source="auto"):
    """Load MNIST as the book's ``dataset/mnist.py`` does.

    Returns ``(x_train, t_train), (x_test, t_test)``:

    - images: ``normalize`` -> float32 in [0, 1], else uint8 in 0..255;
      ``flatten`` -> shape ``(N, 784)``, else ``(N, 1, 28, 28)``.
    - labels: ``one_hot_label`` -> float32 ``(N, 10)``, else int64 ``(N,)``.

    N is 60,000 / 10,000 for full MNIST and 4,000 / 1,000 for the sample;
    ``source``, ``root`` and ``download`` are described in the module
    docstring. The book's one-hot labels are float64 (``np.zeros``); here they
    are float32 like everything else in a float32 model.
    """
    (x_train, t_train), (x_test, t_test) = _load_raw(source, root, download)[0]

    def images(x):
        x = x.reshape(len(x), 784) if flatten else x.reshape(len(x), 1, 28, 28)
        return x.astype(np.float32) / np.float32(255.0) if normalize else x.copy()

    def labels(t):
        return _one_hot(t) if one_hot_label else t.copy()

    return (images(x_train), labels(t_train)), (images(x_test), labels(t_test))


class MNIST(Dataset):
    """MNIST as a dataset, in the manner of ``torchvision.datasets.MNIST``.

    ``ds[i]`` is ``(image, label)``: ``image`` float32 ``(1, 28, 28)`` in
    [0, 1] (then passed through ``transform`` if given), ``label`` an int
    (through ``target_transform`` if given). ``ds.data`` holds all images as
    uint8 ``(N, 28, 28)`` and ``ds.targets`` the labels as int64 ``(N,)``;
    ``ds.source`` is ``"full"`` or ``"sample"``, whichever was loaded.
    """

    def __init__(self, root=None, train=True, download=True, transform=None, source="auto",
                 target_transform=None):
        (train_split, test_split), self.source = _load_raw(source, root, download)
        self.data, self.targets = train_split if train else test_split
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = self.data[index][None].astype(np.float32) / np.float32(255.0)
        label = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def _batch(self, indices):
        """A whole mini-batch for :class:`DataLoader`; ``None`` if transforms need per-sample
        calls."""
        if self.transform is not None or self.target_transform is not None:
            return None
        return (self.data[indices][:, None].astype(np.float32) / np.float32(255.0),
                self.targets[indices])

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"MNIST(split={split!r}, source={self.source!r}, size={len(self)})"
