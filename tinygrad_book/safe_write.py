"""Writing a file so that a crash never leaves it half-written: what ``save`` stands on.

``write_atomically(path, write)`` calls ``write(f)`` on a new temporary file in the
directory of ``path``, flushes it to disk and renames it over ``path``
(``os.replace``, atomic on POSIX and Windows). Around that it keeps PyTorch's
and ``np.savez``'s file semantics:

* only a regular file or a new path is written: a device (``/dev/null``), a
  FIFO or a directory is refused before anything changes;
* a symlink is written through: its target gets the new contents, the link
  stays a link;
* an existing file keeps its permission bits; a new one gets the mode the umask
  allows (0644 under umask 022), as ``open(path, "wb")`` would;
* a file with several hard links is rewritten in place so that every link sees
  the new contents (a rename would split them apart). That rewrite is not
  atomic: the complete new contents are first written and flushed to a
  temporary file, so only the final copy can be interrupted;
* temporaries are named ``.<name>.tinygrad_book-<host>-<pid>-<random>.tmp``; a
  later write to the same path on the same machine removes those whose process
  is gone (left by a crash), and never touches any other file.
"""
import os
import re
import secrets
import socket
import stat
import sys

_TMP_INFIX = ".tinygrad_book-"


def _host():
    """This machine's name, reduced to letters, digits and '-': temporaries on a shared
    (network) directory are only ever judged by the machine that made them."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _temp_name(target):
    directory, base = os.path.split(target)
    name = f".{base}{_TMP_INFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    return os.path.join(directory, name)


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process (or no way to tell): leave its file
    return True


def remove_stale_temporaries(target):
    """Delete temporaries of earlier writes to ``target`` whose writing process has died.

    Returns the paths removed. Only names of the form this module makes, for this very
    target, are considered; a temporary of a live process (another save in progress) stays.
    """
    directory, base = os.path.split(target)
    pattern = re.compile(rf"\.{re.escape(base)}{re.escape(_TMP_INFIX)}{re.escape(_host())}-"
                         rf"(\d+)-[0-9a-f]{{8}}\.tmp")
    removed: list[str] = []
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return removed
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        stale = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(stale).st_mode):
                os.unlink(stale)
                removed.append(stale)
        except OSError:
            pass
    return removed


def resolve_target(path, fn="save"):
    """The file that writing ``path`` changes (symlinks followed) and its ``os.stat`` (None if
    new). Raises before anything changes if it is not a regular file or a new path."""
    path = os.fspath(path)
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"{fn}: {path!r} is a directory; give a file name inside it, "
                                f"e.g. {os.path.join(path, 'checkpoint.npz')!r}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{fn}: {path!r} is not a regular file (it is a {_kind(st.st_mode)}); "
                         "refusing to replace it: give the path of a file or a new one")
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{fn}: cannot write {path!r}: the directory {directory!r} "
                                "does not exist (create it first, e.g. with os.makedirs)")
    return target, st


def _kind(mode):
    for test, name in ((stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def _write_temp(target, write, mode):
    """A complete, flushed temporary file beside ``target`` holding what ``write`` writes."""
    tmp = _temp_name(target)
    # 0o666 through os.open: the umask applies, as it does for a new file of open(path, "wb").
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory):
    """Make a rename durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path, write, fn="save"):
    """Write ``path`` by calling ``write(binary_file)``, with the guarantees above."""
    target, st = resolve_target(path, fn)
    remove_stale_temporaries(target)
    tmp = _write_temp(target, write, None if st is None else stat.S_IMODE(st.st_mode))
    if st is not None and st.st_nlink > 1:
        try:
            _copy_in_place(tmp, target)
        except BaseException as exc:
            # The target may now be half-written; the temporary is the complete new file.
            if sys.version_info >= (3, 11):  # add_note is new in 3.11; 3.10 raises it as is
                exc.add_note(f"{fn}: {path!r} has {st.st_nlink} hard links and was being "
                             f"rewritten in place; the complete new contents are in {tmp!r}")
            raise
        os.unlink(tmp)
        return
    try:
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_directory(os.path.dirname(target))


def _copy_in_place(src, target):
    """Overwrite ``target``'s contents with ``src``'s, keeping its inode (and so its links)."""
    with open(src, "rb") as fin, open(target, "r+b") as fout:
        while True:
            chunk = fin.read(1 << 20)
            if not chunk:
                break
            fout.write(chunk)
        fout.truncate()
        fout.flush()
        os.fsync(fout.fileno())


__all__ = ["write_atomically", "resolve_target", "remove_stale_temporaries"]
