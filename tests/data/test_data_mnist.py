"""MNIST: IDX parsing, download from mirrors, checksums, cache, sample, dataset."""
import gzip
import hashlib
import os
import urllib.error
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_book.data import MNIST, load_mnist, mnist
from tinygrad_book.data.mnist import (
    CorruptFileError,
    DownloadError,
    SampleFallbackWarning,
    parse_idx,
    read_idx,
)


def cache_dir():
    return Path(os.environ["TINYGRAD_BOOK_DATA"]) / "mnist"


def listing(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# ------------------------------------------------------------------------- IDX


def test_read_idx_gzipped_images_and_labels(tmp_path, make_idx):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    labels = np.array([7, 2, 9], dtype=np.uint8)
    (tmp_path / "img.gz").write_bytes(gzip.compress(make_idx(images)))
    (tmp_path / "lab").write_bytes(make_idx(labels))  # uncompressed works too
    got_images, got_labels = read_idx(tmp_path / "img.gz"), read_idx(tmp_path / "lab")
    assert got_images.shape == (2, 28, 28) and got_images.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, [7, 2, 9])
    assert got_images.flags.writeable


def test_parse_idx_big_endian_int32(make_idx):
    values = np.array([[1, -2], [70000, 0]], dtype=np.int32)
    got = parse_idx(make_idx(values))
    assert got.dtype == np.int32 and got.dtype.isnative
    np.testing.assert_array_equal(got, values)


@pytest.mark.parametrize("data, message", [
    (b"\x00\x00", "<bytes>: 2 bytes is too short for an IDX header"),
    (b"\x01\x00\x08\x01" + b"\x00" * 8, "bad IDX magic number 0x01000801"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x01",
     "truncated header: 3 dimensions need 16 bytes, file has 8"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02",
     "file truncated: shape (3,) of uint8 needs 3 data bytes, found 2"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02",
     "file has trailing bytes: shape (1,) of uint8 needs 1 data bytes, found 2"),
])
def test_parse_idx_rejects_bad_files(data, message):
    with pytest.raises(CorruptFileError) as info:
        parse_idx(data)
    assert message in str(info.value)


def test_read_idx_truncated_image_file_names_file(tmp_path, make_idx):
    raw = make_idx(np.zeros((3, 28, 28), np.uint8))[:-100]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(raw)
    with pytest.raises(CorruptFileError, match="needs 2352 data bytes, found 2252") as info:
        read_idx(path)
    assert str(info.value).startswith(f"{path}: file truncated")


def test_read_idx_truncated_gzip(tmp_path, make_idx):
    packed = gzip.compress(make_idx(np.ones((4, 28, 28), np.uint8)))
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(CorruptFileError, match="corrupt or truncated gzip data") as info:
        read_idx(path)
    assert str(path) in str(info.value)


# -------------------------------------------------------------- download/cache


def test_full_download_parses_and_caches(fake_mnist):
    (x, t), (xt, tt) = load_mnist(normalize=False, flatten=False, source="full")
    assert fake_mnist.calls == [fake_mnist.MIRRORS[0] + name for name in fake_mnist.files]
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.uint8
    assert t.shape == (12,) and t.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], fake_mnist.x_train)
    np.testing.assert_array_equal(t, fake_mnist.t_train)
    np.testing.assert_array_equal(xt[:, 0], fake_mnist.x_test)
    np.testing.assert_array_equal(tt, fake_mnist.t_test)
    assert listing(cache_dir()) == sorted(fake_mnist.files)
    for name, data in fake_mnist.files.items():
        assert (cache_dir() / name).read_bytes() == data


def test_second_call_uses_cache_without_fetching(fake_mnist, monkeypatch):
    load_mnist(source="full")
    assert len(fake_mnist.calls) == 4

    def no_network(url):
        raise AssertionError(f"fetched {url} although every file is cached")

    monkeypatch.setattr(mnist, "_fetch", no_network)
    (x, t), _ = load_mnist(source="full")
    np.testing.assert_array_equal(t, fake_mnist.t_train)


def test_root_argument_overrides_environment(fake_mnist, tmp_path):
    load_mnist(source="full", root=tmp_path / "elsewhere")
    assert listing(tmp_path / "elsewhere" / "mnist") == sorted(fake_mnist.files)
    assert listing(cache_dir()) == []


def test_unreachable_first_mirror_falls_through_to_second(fake_mnist):
    a, b = fake_mnist.MIRRORS
    name = "train-images-idx3-ubyte.gz"
    fake_mnist.responses[a + name] = urllib.error.URLError("timed out")
    load_mnist(source="full")
    assert fake_mnist.calls[:3] == [a + name, b + name, a + "train-labels-idx1-ubyte.gz"]
    assert (cache_dir() / name).read_bytes() == fake_mnist.files[name]


def test_checksum_mismatch_refetches_from_next_mirror(fake_mnist):
    a, b = fake_mnist.MIRRORS
    name = "t10k-labels-idx1-ubyte.gz"
    fake_mnist.responses[a + name] = b"<html>503 Service Unavailable</html>"
    _, (_, tt) = load_mnist(source="full")
    assert fake_mnist.calls[-2:] == [a + name, b + name]
    assert (cache_dir() / name).read_bytes() == fake_mnist.files[name]
    np.testing.assert_array_equal(tt, fake_mnist.t_test)


def test_every_mirror_corrupt_is_a_clear_error_and_leaves_no_file(fake_mnist):
    name = "train-images-idx3-ubyte.gz"
    bad = fake_mnist.files[name][:-10]  # a truncated transfer
    for mirror in fake_mnist.MIRRORS:
        fake_mnist.responses[mirror + name] = bad
    with pytest.raises(DownloadError) as info:
        load_mnist(source="full")
    message = str(info.value)
    assert f"could not download MNIST file {name!r} from any mirror;" in message
    assert message.count("SHA-256 mismatch") == 2
    assert f"expected {mnist.FILES['train_images'][1]}" in message
    assert "network" not in message
    assert listing(cache_dir()) == []


def test_no_network_error_names_the_sample():
    with pytest.raises(DownloadError) as info:
        load_mnist(source="full")
    message = str(info.value)
    assert ("could not download MNIST file 'train-images-idx3-ubyte.gz' from any mirror "
            "(is the network down?)") in message
    assert 'source="sample"' in message
    for mirror in mnist.MIRRORS:
        assert mirror + "train-images-idx3-ubyte.gz: <urlopen error" in message
    assert listing(cache_dir()) == []  # nothing half-written


def test_failed_write_leaves_no_partial_file(fake_mnist, monkeypatch):
    def broken_replace(src, dst):
        assert Path(src).exists()  # the data did reach the temporary file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mnist.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left on device"):
        load_mnist(source="full")
    assert listing(cache_dir()) == []


def test_corrupt_cached_file_is_replaced_by_a_verified_download(fake_mnist):
    load_mnist(source="full")
    name = "train-labels-idx1-ubyte.gz"
    path = cache_dir() / name
    path.write_bytes(fake_mnist.files[name][:20])  # truncated by an earlier crash
    fake_mnist.calls.clear()
    with pytest.warns(UserWarning, match="does not match the published file .*: replaced it "
                                         "with a verified download"):
        (_, t), _ = load_mnist(source="full")
    assert fake_mnist.calls == [fake_mnist.MIRRORS[0] + name]
    assert path.read_bytes() == fake_mnist.files[name]
    np.testing.assert_array_equal(t, fake_mnist.t_train)


def test_truncated_file_with_matching_checksum_fails_parsing(fake_mnist, monkeypatch):
    # Checksums guard downloads; the parser must still catch a bad file on its
    # own (e.g. if the constants were ever wrong), naming the file.
    name = "t10k-images-idx3-ubyte.gz"
    cut = gzip.compress(gzip.decompress(fake_mnist.files[name])[:-28], mtime=0)
    fake_mnist.files[name] = cut
    for mirror in fake_mnist.MIRRORS:
        fake_mnist.responses[mirror + name] = cut
    table = dict(mnist.FILES)
    table["test_images"] = (name, hashlib.sha256(cut).hexdigest())
    monkeypatch.setattr(mnist, "FILES", table)
    with pytest.raises(CorruptFileError) as info:
        load_mnist(source="full")
    assert str(info.value).startswith(str(cache_dir() / name) + ": file truncated")
    assert "shape (5, 28, 28) of uint8 needs 3920 data bytes, found 3892" in str(info.value)


def test_image_and_label_counts_must_agree(fake_mnist, monkeypatch, make_idx):
    name = "train-labels-idx1-ubyte.gz"
    short = gzip.compress(make_idx(fake_mnist.t_train[:11]), mtime=0)
    for mirror in fake_mnist.MIRRORS:
        fake_mnist.responses[mirror + name] = short
    table = dict(mnist.FILES)
    table["train_labels"] = (name, hashlib.sha256(short).hexdigest())
    monkeypatch.setattr(mnist, "FILES", table)
    with pytest.raises(CorruptFileError, match="has 12 images but .*train-labels-idx1-ubyte.gz "
                                               "has 11 labels"):
        load_mnist(source="full")


def test_download_false_never_fetches(fake_mnist):
    with pytest.raises(DownloadError, match="'train-images-idx3-ubyte.gz' is not in .* and "
                                            "download=False"):
        load_mnist(source="full", download=False)
    assert fake_mnist.calls == []


# -------------------------------------------------------------- source="auto"


def test_auto_without_network_falls_back_with_one_line_notice():
    with pytest.warns(SampleFallbackWarning) as record:
        (x, t), (xt, tt) = load_mnist()
    assert len(record) == 1
    message = str(record[0].message)
    assert "\n" not in message
    assert message.startswith("full MNIST unavailable (could not download MNIST file")
    assert message.endswith('using the 5,000-digit offline sample (source="sample")')
    assert x.shape == (4000, 784) and xt.shape == (1000, 784)


def test_auto_uses_full_mnist_when_downloadable(fake_mnist):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x, t), _ = load_mnist(normalize=False)
    assert x.shape == (12, 784)
    np.testing.assert_array_equal(t, fake_mnist.t_train)


def test_auto_with_download_false_and_empty_cache_falls_back(fake_mnist):
    with pytest.warns(SampleFallbackWarning, match="download=False"):
        (x, _), _ = load_mnist(download=False)
    assert x.shape == (4000, 784)
    assert fake_mnist.calls == []


def test_unknown_source_is_rejected():
    with pytest.raises(ValueError, match=r"source must be one of \('auto', 'full', 'sample'\), "
                                         r"got 'mnist'"):
        load_mnist(source="mnist")


# ------------------------------------------------------------------- the sample


def test_sample_default_variant():
    (x, t), (xt, tt) = load_mnist(source="sample")
    assert x.shape == (4000, 784) and x.dtype == np.float32
    assert xt.shape == (1000, 784) and xt.dtype == np.float32
    assert t.shape == (4000,) and t.dtype == np.int64
    assert tt.shape == (1000,) and tt.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    # Real handwriting: MNIST's mean intensity is 0.1307 and about 19% of its pixels are ink.
    assert 0.11 < x.mean() < 0.15
    assert 0.15 < (x > 0).mean() < 0.23
    assert np.bincount(t, minlength=10).tolist() == [400] * 10
    assert np.bincount(tt, minlength=10).tolist() == [100] * 10
    assert t[:10].tolist() == [5, 4, 7, 5, 7, 0, 7, 9, 2, 0]  # pins the shipped split


def test_sample_train_and_test_do_not_overlap():
    (x, _), (xt, _) = load_mnist(source="sample", normalize=False)
    train = {row.tobytes() for row in x}
    assert len(train) == 4000
    assert not train & {row.tobytes() for row in xt}


def test_sample_raw_images_and_one_hot_labels():
    (x, t), (xt, tt) = load_mnist(normalize=False, flatten=False, one_hot_label=True,
                                  source="sample")
    (xn, tn), _ = load_mnist(source="sample")
    assert x.shape == (4000, 1, 28, 28) and x.dtype == np.uint8 and x.max() == 255
    assert t.shape == (4000, 10) and t.dtype == np.float32 and tt.shape == (1000, 10)
    np.testing.assert_array_equal(t.sum(axis=1), np.ones(4000, np.float32))
    np.testing.assert_array_equal(t.argmax(axis=1), tn)
    np.testing.assert_array_equal(x.reshape(4000, 784) / np.float32(255), xn)


def test_sample_digit_is_upright_and_centred():
    # Rows and columns not swapped or flipped: an average "1" is a vertical
    # stroke in the central columns, and MNIST's 20x20 digits sit centred in
    # the 28x28 frame, so the border is almost blank.
    (x, t), _ = load_mnist(normalize=False, flatten=False, source="sample")
    x = x[:, 0].astype(np.float64)
    ones = x[t == 1].mean(axis=0)
    assert ones[:, 12:16].mean() > 50 * ones[:, :8].mean()
    assert ones[4:24, 13].min() > ones[13, 4:24].min()
    border = np.concatenate([x[:, 0, :], x[:, -1, :], x[:, :, 0], x[:, :, -1]], axis=1)
    assert border.mean() < 1.0 and x[:, 10:18, 10:18].mean() > 80


def test_sample_returns_fresh_arrays():
    (x, _), _ = load_mnist(source="sample", normalize=False)
    x[0] = 7
    (y, _), _ = load_mnist(source="sample", normalize=False)
    assert y[0].max() != 7 or y[0].min() != 7


# ---------------------------------------------------------------- MNIST dataset


def test_mnist_dataset_items():
    train = MNIST(source="sample")
    test = MNIST(train=False, source="sample")
    assert (len(train), len(test)) == (4000, 1000)
    assert train.source == "sample"
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert type(label) is int and label == 5
    (x, t), _ = load_mnist(source="sample", flatten=False)
    np.testing.assert_array_equal(train[-1][0], x[-1])
    assert train[-1][1] == int(t[-1])


def test_mnist_dataset_transforms():
    ds = MNIST(source="sample", transform=lambda img: img.reshape(784) * 2,
               target_transform=lambda y: y + 100)
    image, label = ds[0]
    assert image.shape == (784,) and image.max() == 2.0
    assert label == 105


def test_mnist_dataset_full_from_fake_mirror(fake_mnist):
    ds = MNIST(train=False)
    assert ds.source == "full" and len(ds) == 5
    assert ds[4][1] == int(fake_mnist.t_test[4])


# ------------------------------------------------------------- property checks

# make_idx only hands back a pure function, so sharing it across examples is safe.
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(st.sampled_from([np.uint8, np.int32]),
                  hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)),
       st.data())
def test_idx_round_trip_and_any_truncation_is_caught(make_idx, array, data):
    raw = make_idx(array)
    got = parse_idx(raw)
    assert got.shape == array.shape and got.dtype == array.dtype
    np.testing.assert_array_equal(got, array)
    cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
    with pytest.raises(CorruptFileError):
        parse_idx(raw[:cut])
