"""tb.save / tb.load against hostile or unusual files (issue 12, items 7, 9 and 10)."""
import io
import json
import os
import signal
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import safe_write

pytestmark = pytest.mark.reliability
STRUCTURE = "__tinygrad_book_structure__"


def _header(root):
    text = json.dumps({"format": "tinygrad_book.checkpoint", "version": 1, "root": root})
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _npy_bytes(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


# -- item 7: load reads only what it must, and bounds it -------------------------------------

def test_load_reads_only_the_members_the_structure_refers_to(tmp_path, monkeypatch):
    path = tmp_path / "extra.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(STRUCTURE + ".npy", _npy_bytes(_header({"t": "array", "ref": "a0"})))
        z.writestr("a0.npy", _npy_bytes(np.arange(3.0)))
        z.writestr("junk.npy", _npy_bytes(np.zeros(2_000_000)))  # 16 MB, compresses to ~16 kB
    opened, real_open = [], zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    np.testing.assert_array_equal(tb.load(path), np.arange(3.0))
    assert "junk.npy" not in opened


def test_a_declared_shape_larger_than_the_member_is_a_value_error_not_memory_error(tmp_path):
    path = tmp_path / "bomb.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros(4, dtype=np.float32))
    header["shape"] = (100000, 100000)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(STRUCTURE + ".npy", _npy_bytes(_header({"t": "array", "ref": "a0"})))
        z.writestr("a0.npy", buf.getvalue() + bytes(16))
    with pytest.raises(ValueError, match=r"bomb\.npz.*entry 'a0' declares an array of shape "
                                         r"\(100000, 100000\) and dtype float32"):
        tb.load(path)


def _nested(depth):
    obj = np.ones(1)
    for _ in range(depth):
        obj = [obj]
    return obj


def test_saving_a_structure_nested_450_deep_is_a_clear_error_not_recursion(tmp_path):
    path = tmp_path / "deep.npz"
    with pytest.raises(ValueError, match="nested more than 100 deep"):
        tb.save(_nested(450), path)
    assert not path.exists()
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        tb.save({"a": loop}, path)
    tb.save(_nested(90), path)  # deep but within the limit
    assert len(tb.load(path)) == 1


@pytest.mark.parametrize("depth", [450, 100_000])
def test_loading_a_structure_nested_too_deep_is_a_clear_error(tmp_path, depth):
    path = tmp_path / "deep.npz"
    text = '{"t":"list","items":[' * depth + "]}" * depth
    raw = ('{"format":"tinygrad_book.checkpoint","version":1,"root":' + text + "}").encode()
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(STRUCTURE + ".npy", _npy_bytes(np.frombuffer(raw, dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"deep\.npz': its structure is nested more than 100"):
        tb.load(path)


@pytest.mark.parametrize("name, content, kind", [
    ("notes.txt", b"just some notes\n", "a text file"),
    ("README.md", "# tinygrad_book — design\n\nA small framework".encode(), "a text file"),
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image"),
    ("blob.bin", bytes(range(256)), None),
])
def test_foreign_files_are_not_a_checkpoint_rather_than_a_pickle(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a tinygrad_book checkpoint") as info:
        tb.load(path)
    assert "pickle" not in str(info.value) and name in str(info.value)
    if kind:
        assert kind in str(info.value)


# -- item 9: what save writes to ----------------------------------------------------------------

def test_save_refuses_a_special_file_and_changes_nothing(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"save: '.*pipe' is not a regular file \(it is a FIFO\)"):
        tb.save({"w": np.ones(2)}, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_save_refuses_dev_null(monkeypatch):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    real_replace = os.replace

    def guarded(src, dst, *args, **kwargs):
        # A regression must fail this test, not replace the machine's /dev/null (CI runs as root).
        assert os.path.realpath(dst) != "/dev/null", "save tried to replace /dev/null"
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", guarded)
    monkeypatch.setattr(os, "rename", guarded)
    before = os.stat("/dev/null")
    with pytest.raises(ValueError, match=r"'/dev/null' is not a regular file \(it is a character "
                                         r"device\)"):
        tb.save({"w": np.ones(2)}, "/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_save_writes_through_a_symlink_as_pytorch(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "ckpt.npz"
    tb.save({"epoch": 1}, target)
    link = tmp_path / "latest.npz"
    link.symlink_to(os.path.join("runs", "ckpt.npz"))
    tb.save({"epoch": 2}, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "ckpt.npz")
    assert tb.load(target) == {"epoch": 2}
    assert sorted(os.listdir(tmp_path / "runs")) == ["ckpt.npz"]


def test_save_keeps_hard_links_together(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    tb.save({"epoch": 1}, a)
    os.link(a, b)
    tb.save({"epoch": 2, "w": np.arange(1000.0)}, a)
    assert os.stat(a).st_ino == os.stat(b).st_ino and os.stat(a).st_nlink == 2
    assert tb.load(b)["epoch"] == 2
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz"]


def test_new_files_get_the_umask_mode_and_existing_files_keep_theirs(tmp_path):
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.npz"
        tb.save({"w": 1}, new)
        assert stat.S_IMODE(os.stat(new).st_mode) == 0o644  # as np.savez and torch.save
        shared = tmp_path / "shared.npz"
        tb.save({"w": 1}, shared)
        os.chmod(shared, 0o664)
        tb.save({"w": 2}, shared)
        assert stat.S_IMODE(os.stat(shared).st_mode) == 0o664
    finally:
        os.umask(old)


# -- item 10: temporaries left by a crash --------------------------------------------------------

def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_later_save_removes_stale_temporaries_of_its_own_and_nothing_else(tmp_path):
    path = tmp_path / "model.npz"
    host = safe_write._host()
    stale = tmp_path / f".model.npz.tinygrad_book-{host}-{_dead_pid()}-0123abcd.tmp"
    live = tmp_path / f".model.npz.tinygrad_book-{host}-{os.getpid()}-89abcdef.tmp"  # in flight
    others = [tmp_path / ".model.npz.tmp", tmp_path / ".tmp-model.npz-x1y2",
              tmp_path / f".other.npz.tinygrad_book-{host}-{_dead_pid()}-0123abcd.tmp",
              # another machine's save on a shared directory: its PID means nothing here
              tmp_path / f".model.npz.tinygrad_book-elsewhere-{_dead_pid()}-0123abcd.tmp"]
    for f in [stale, live, *others]:
        f.write_bytes(b"partial")
    tb.save({"w": np.ones(3)}, path)
    assert not stale.exists()
    assert live.exists() and all(f.exists() for f in others)


def test_a_save_killed_mid_write_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.npz"
    tb.save({"w": np.zeros(3)}, path)
    script = (
        "import os, signal, numpy as np, tinygrad_book as tb\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"tb.save({{'w': np.ones(100000)}}, {str(path)!r})\n")
    child = subprocess.run([sys.executable, "-c", script], cwd=tmp_path)
    assert child.returncode == -signal.SIGKILL
    leftovers = [n for n in os.listdir(tmp_path) if n != "model.npz"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.npz.tinygrad_book-")
    np.testing.assert_array_equal(tb.load(path)["w"], np.zeros(3))  # still the old checkpoint
    tb.save({"w": np.ones(3)}, path)
    assert os.listdir(tmp_path) == ["model.npz"]
