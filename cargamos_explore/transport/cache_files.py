"""The cache's files are private: folders 0700, the database and its WAL files 0600.

They hold recipients' names, phones and addresses, and a shared JupyterHub gives every
user the same machine; a file found open to others is tightened, or refused if not ours.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

import platformdirs

from ..errors import ConfigurationError

CacheOption = bool | str | Path
PRIVATE_FILE: Final = 0o600
PRIVATE_FOLDER: Final = 0o700
#: The database and the two files SQLite keeps beside it in WAL mode.
SQLITE_SUFFIXES: Final = ("", "-wal", "-shm")


def cache_location(option: CacheOption) -> tuple[str, str]:
    """(backend, cache name) for the ``cache=`` option; creates missing folders 0700."""
    if option == "memory":
        return "memory", "cargamos-explore"
    if option is True:
        folder = Path(platformdirs.user_cache_dir("cargamos-explore"))
        _create_private_folders(folder)
        _ensure_private(folder, PRIVATE_FOLDER)  # ours alone, even if made 0755 before
        return "sqlite", str(folder / "http_cache.sqlite")
    if isinstance(option, (str, Path)) and str(option):
        path = Path(option).expanduser()
        _create_private_folders(path.parent)  # an existing parent (a home) is the user's
        return "sqlite", str(path)
    raise ConfigurationError(f"cache={option!r}: use True, False, 'memory' or a file path")


def _create_private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents 0700; existing folders are left as they are."""
    for path in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
        try:
            path.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # created meanwhile by someone else: not ours to change
        path.chmod(PRIVATE_FOLDER)  # the umask may have removed bits we need


def _ensure_private(path: Path, mode: int) -> None:
    """Tighten ``path`` to ``mode`` if others have access; refuse if it is not ours."""
    if os.name != "posix" or not path.exists():
        return  # elsewhere the per-user cache folder's ACLs already keep it private
    info = path.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid != os.geteuid():
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        raise ConfigurationError(
            f"the cache {kind} {path} is open to other users (mode "
            f"{stat.S_IMODE(info.st_mode):o}) and belongs to someone else, so it cannot be "
            f"made private; ask its owner to chmod {mode:o} it, or pass another cache= path.")
    path.chmod(mode)


def create_private_file(path: Path) -> None:
    """Create the database empty and 0600, so SQLite never creates it 0644 itself."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        if os.name == "posix":
            os.fchmod(fd, PRIVATE_FILE)  # exact, whatever the umask took away
    finally:
        os.close(fd)


def ensure_private_files(database: Path) -> None:
    for suffix in SQLITE_SUFFIXES:
        _ensure_private(database.with_name(database.name + suffix), PRIVATE_FILE)
