"""Checkpoints: a crash while saving never damages the previous file, loading never runs
code, and a damaged file is a clear error naming it — with the model left as it was.

(tests/tinygrad_book/test_serialization.py covers the format itself: types, dtypes, keys round
trips.)"""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_book as tb
import tinygrad_book.nn.functional as F
from tinygrad_book import nn, optim
from tinygrad_book.training import load_checkpoint, save_checkpoint

pytestmark = pytest.mark.reliability


class _Crash(Exception):
    pass


def _old_and_new(tmp_path):
    path = tmp_path / "model.npz"
    tb.save({"w": np.arange(1000.0)}, path)
    return path, {"w": -np.arange(1000.0), "more": np.ones((50, 50))}


def _crash_after_half_written(monkeypatch):
    real = np.savez

    def savez(file, **arrays):
        buffer = io.BytesIO()
        real(buffer, **arrays)
        data = buffer.getvalue()
        file.write(data[: len(data) // 2])  # the first half reaches the disk...
        raise _Crash("power cut")           # ...then the process dies

    monkeypatch.setattr(np, "savez", savez)


def _crash_in(module, name, error):
    def crash(monkeypatch):
        def fail(*args, **kwargs):
            raise error

        monkeypatch.setattr(module, name, fail)
    return crash


@pytest.mark.parametrize("crash, error", [
    (_crash_after_half_written, _Crash),
    (_crash_in(os, "fsync", OSError(28, "No space left on device")), OSError),
    (_crash_in(os, "replace", PermissionError(13, "Permission denied")), PermissionError),
    (_crash_in(os, "fsync", KeyboardInterrupt()), KeyboardInterrupt),
], ids=["half written", "disk full at fsync", "rename refused", "Ctrl-C"])
def test_a_crash_mid_save_leaves_the_old_file_intact_and_no_temp_file(tmp_path, monkeypatch,
                                                                     crash, error):
    path, new = _old_and_new(tmp_path)
    before = path.read_bytes()
    crash(monkeypatch)
    with pytest.raises(error):
        tb.save(new, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    np.testing.assert_array_equal(tb.load(path)["w"], np.arange(1000.0))
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_a_successful_save_replaces_the_file_in_one_step(tmp_path, monkeypatch):
    """The new file is complete before it takes the old one's name (os.replace is atomic)."""
    path, new = _old_and_new(tmp_path)
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append((os.path.dirname(src) == str(tmp_path), dst == str(path),
                     sorted(tb.load(src)) == ["more", "w"]))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    tb.save(new, path)
    assert seen == [(True, True, True)]
    np.testing.assert_array_equal(tb.load(path)["w"], new["w"])


def test_saving_to_a_missing_directory_or_a_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"save: cannot write '.*missing/m.npz': the "
                                                r"directory '.*missing' does not exist"):
        tb.save({"a": 1}, tmp_path / "missing" / "m.npz")
    with pytest.raises(IsADirectoryError, match=r"save: '.*' is a directory; give a file name "
                                                r"inside it"):
        tb.save({"a": 1}, tmp_path)
    assert os.listdir(tmp_path) == []


# -- loading never runs code ---------------------------------------------------------------

class _Payload:
    """Unpickling this creates ``path``: stands in for any code a pickle could run."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def marker(tmp_path):
    """A path that the payload creates when it runs, and proof that the payload is live."""
    probe = tmp_path / "probe_ran"
    pickle.loads(pickle.dumps(_Payload(probe))).close()
    assert probe.exists()  # unpickled, it really runs
    return tmp_path / "payload_ran"


def _npz_with_pickled_member(path, marker, with_structure):
    entries = {"a0": np.array([_Payload(marker), 1], dtype=object)}
    if with_structure:
        header = (b'{"format":"tinygrad_book.checkpoint","version":1,'
                  b'"root":{"t":"array","ref":"a0"}}')
        entries["__tinygrad_book_structure__"] = np.frombuffer(header, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **entries)  # NumPy pickles object arrays into the .npy member


def _npy_with_pickle(path, marker):
    with open(path, "wb") as f:
        np.save(f, np.array([_Payload(marker)], dtype=object))


@pytest.mark.parametrize("craft, message", [
    (lambda p, m: _npz_with_pickled_member(p, m, True),
     r"load: cannot load '.*evil.npz': entry 'a0' holds pickled Python objects, which could "
     r"run code when loaded; refusing to load it"),
    (lambda p, m: _npz_with_pickled_member(p, m, False),
     r"load: cannot load '.*evil.npz': it is an .npz without the '__tinygrad_book_structure__' "
     r"entry"),
    (lambda p, m: p.write_bytes(pickle.dumps({"model": _Payload(m)})),
     r"load: cannot load '.*evil.npz': it is a pickle, which could run code when loaded"),
    (lambda p, m: _npy_with_pickle(p, m),
     r"load: cannot load '.*evil.npz': it is a pickle, which could run code when loaded"),
], ids=["checkpoint with a pickled entry", "foreign npz with a pickled entry",
        "raw pickle renamed .npz", "pickled .npy renamed .npz"])
def test_pickle_bearing_files_are_refused_without_running_code(tmp_path, marker, craft, message):
    path = tmp_path / "evil.npz"
    craft(path, marker)
    with pytest.raises(ValueError, match=message):
        tb.load(path)
    assert not marker.exists()


def test_a_crafted_checkpoint_cannot_load_into_a_model(tmp_path, marker, assert_unchanged):
    model = nn.Linear(2, 2)
    path = tmp_path / "evil.npz"
    _npz_with_pickled_member(path, marker, True)
    with assert_unchanged(model):
        with pytest.raises(ValueError, match="pickled Python objects"):
            load_checkpoint(path, model)
    assert not marker.exists()


# -- damaged files -----------------------------------------------------------------------------

@pytest.fixture
def checkpoint(tmp_path):
    tb.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 30), nn.BatchNorm1d(30), nn.Linear(30, 4))
    path = tmp_path / "ck.npz"
    save_checkpoint(path, model, optim.Adam(model.parameters()), epoch=3)
    return path, path.read_bytes()


@pytest.mark.parametrize("damage", [
    lambda b: b"",
    lambda b: b[:10],
    lambda b: b[: len(b) // 3],
    lambda b: b[: len(b) - 22],        # the zip directory's end record cut off
    lambda b: b[:-1],
    lambda b: b[:200] + bytes(64) + b[264:],   # zeros over a member: CRC mismatch
    lambda b: b"PK\x03\x04" + b"\xff" * 300,
    lambda b: b"\x93NUMPY" + b"garbage" * 20,
], ids=["empty", "10 bytes", "a third", "no end record", "last byte", "zeroed bytes",
        "bad zip", "bad npy"])
def test_truncated_or_corrupt_files_are_a_clear_error_naming_the_path(checkpoint, damage,
                                                                       assert_unchanged):
    path, good = checkpoint
    path.write_bytes(damage(good))
    tb.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 30), nn.BatchNorm1d(30), nn.Linear(30, 4))
    opt = optim.Adam(model.parameters())
    with assert_unchanged(model, opt):
        with pytest.raises(ValueError, match=rf"load: (cannot load )?'{_re(path)}'"):
            load_checkpoint(path, model, opt)
    assert str(path) not in _open_files()  # the failed read closed its file


def _open_files():
    """Paths this process holds open (Linux), to catch a handle leaked on error."""
    fds = "/proc/self/fd"
    if not os.path.isdir(fds):
        pytest.skip("needs /proc/self/fd")
    paths = []
    for fd in os.listdir(fds):
        try:
            paths.append(os.readlink(os.path.join(fds, fd)))
        except OSError:
            pass
    return paths


def test_a_tampered_structure_is_refused(tmp_path):
    path = tmp_path / "tampered.npz"
    tb.save({"w": np.ones(3)}, path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            if name.startswith("__tinygrad_book_structure__"):
                data = data.replace(b'"ref":"a0"', b'"ref":"a9"')
            z.writestr(name, data)
    with pytest.raises(ValueError, match=r"cannot load '.*tampered.npz': its structure refers to "
                                         r"a missing array entry 'a9'"):
        tb.load(path)


def test_a_checkpoint_that_does_not_fit_loads_nothing(tmp_path, assert_unchanged):
    """The model part fits but the optimizer part does not: neither changes."""
    tb.manual_seed(0)
    model = nn.Linear(3, 2)
    path = tmp_path / "sgd.npz"
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(tb.randn(4, 3)).sum().backward()
    sgd.step()
    save_checkpoint(path, model, sgd)
    fresh = nn.Linear(3, 2)
    adam = optim.Adam(fresh.parameters())
    fresh(tb.randn(4, 3)).sum().backward()
    adam.step()
    with assert_unchanged(fresh, adam):
        with pytest.raises(ValueError, match=r"Adam.load_state_dict\(\): loaded parameter group "
                                             r"0 lacks \['betas'"):
            load_checkpoint(path, fresh, adam)
    with assert_unchanged(fresh):
        with pytest.raises(ValueError, match=r"holds no scheduler state to load"):
            load_checkpoint(path, fresh, sgd, optim.lr_scheduler.StepLR(sgd, 1))


def test_resuming_from_a_checkpoint_continues_bit_for_bit(tmp_path):
    """Train 6 steps straight, or 3 steps, save, load into fresh objects, 3 more: the same
    parameters to the last bit (model, Adam moments and step counts all round-trip)."""
    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
        return model, optim.Adam(model.parameters(), lr=0.05)

    rng = np.random.default_rng(0)
    data = [(tb.tensor(rng.standard_normal((6, 5)).astype(np.float32)),
             tb.tensor(rng.integers(0, 3, 6))) for _ in range(6)]

    def train(model, opt, batches):
        for x, t in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), t).backward()
            opt.step()

    tb.manual_seed(0)
    straight, opt = make()
    train(straight, opt, data)

    tb.manual_seed(0)
    first, opt = make()
    train(first, opt, data[:3])
    save_checkpoint(tmp_path / "half.npz", first, opt)
    tb.manual_seed(99)  # fresh objects with different initial weights
    resumed, opt = make()
    load_checkpoint(tmp_path / "half.npz", resumed, opt)
    train(resumed, opt, data[3:])

    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def _re(path):
    import re

    return re.escape(str(path))
