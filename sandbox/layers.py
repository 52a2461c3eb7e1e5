"""The mechanics of the isolation layers (see ``sandbox.isolation`` for what each one
gives): namespaces and the private root, rlimits, the unprivileged uid. Kept free of heavy
imports: every module the worker imports makes each fork of a program slower."""

from __future__ import annotations

import os
import resource
import sys
from typing import NamedTuple

from sandbox import sysapi

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ETC_FILES = (
    "passwd",
    "group",
    "hosts",
    "nsswitch.conf",
    "localtime",
    "ld.so.cache",
    "ld.so.conf",
    "os-release",
    "mime.types",
)
DEV_NODES = ("null", "zero", "full", "random", "urandom")
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
# Where the new root is assembled; shadowing it affects only the worker's mount namespace.
_STAGING = "/tmp"
_RO = sysapi.MS_BIND | sysapi.MS_REMOUNT | sysapi.MS_RDONLY | sysapi.MS_NOSUID


def python_dirs() -> list[str]:
    """The Python installation's directories the sandboxed interpreter reads from."""
    found: list[str] = []
    for path in (sys.base_prefix, sys.base_exec_prefix):
        real = os.path.realpath(path)
        if real not in found and not any(real.startswith(p + "/") for p in SYSTEM_PATHS):
            found.append(real)
    return found


def enter_namespaces() -> None:
    """Unshare every namespace; the caller's next child is PID 1 of the new PID namespace."""
    sysapi.unshare(
        sysapi.CLONE_NEWNS
        | sysapi.CLONE_NEWUTS
        | sysapi.CLONE_NEWIPC
        | sysapi.CLONE_NEWNET
        | sysapi.CLONE_NEWPID
    )


def build_private_root(extra_dirs: list[str], scratch_mb: int) -> None:
    """Assemble the private root and pivot into it (PID 1 of the new namespaces, as root)."""
    sysapi.mount(None, "/", None, sysapi.MS_REC | sysapi.MS_PRIVATE)
    sources = [p for p in (*SYSTEM_PATHS, *extra_dirs) if os.path.lexists(p)]
    etc = [f"/etc/{name}" for name in ETC_FILES if os.path.lexists(f"/etc/{name}")]
    root = _STAGING
    sysapi.mount(
        "tmpfs", root, "tmpfs", sysapi.MS_NOSUID | sysapi.MS_NODEV, "size=1m,nr_inodes=4096,mode=0755"
    )
    for path in sources:
        if not any(path.startswith(p + "/") for p in sources if p != path):
            _bind(path, root + path)
    for path in etc:
        _bind(path, root + path)
    os.makedirs(root + "/dev", 0o755)
    for name in DEV_NODES:
        _bind(f"/dev/{name}", f"{root}/dev/{name}", nodev=False)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{root}/dev/{name}")
    for path in SCRATCH_DIRS:
        os.makedirs(root + path, 0o755, exist_ok=True)
        _mount_scratch(root + path, scratch_mb)
    os.makedirs(root + "/proc", 0o555)
    sysapi.mount(
        "proc", root + "/proc", "proc", sysapi.MS_NOSUID | sysapi.MS_NODEV | sysapi.MS_NOEXEC, "hidepid=2"
    )
    os.chdir(root)
    os.mkdir(".old")
    sysapi.pivot_root(".", ".old")
    os.chdir("/")
    sysapi.umount2("/.old")
    os.rmdir("/.old")
    sysapi.mount(None, "/", None, _RO | sysapi.MS_NODEV)
    sysapi.sethostname("sandbox")


def _bind(source: str, target: str, nodev: bool = True) -> None:
    if os.path.islink(source):
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        os.symlink(os.readlink(source), target)
        return
    if os.path.isdir(source):
        os.makedirs(target, 0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    sysapi.mount(source, target, None, sysapi.MS_BIND | sysapi.MS_REC)
    sysapi.mount(None, target, None, _RO | (sysapi.MS_NODEV if nodev else 0))


def _mount_scratch(path: str, size_mb: int) -> None:
    sysapi.mount(
        "tmpfs",
        path,
        "tmpfs",
        sysapi.MS_NOSUID | sysapi.MS_NODEV,
        f"size={size_mb}m,nr_inodes=16384,mode=1777",
    )


def reset_scratch(size_mb: int) -> None:
    """Give the next program empty scratch directories (a fresh tmpfs where one was used)."""
    for path in SCRATCH_DIRS:
        with os.scandir(path) as entries:
            if next(entries, None) is None:
                continue
        sysapi.umount2(path)
        _mount_scratch(path, size_mb)


class Limits(NamedTuple):
    """Resource limits of one sandboxed process."""

    memory_mb: int
    cpu_s: int
    file_bytes: int
    open_files: int = 256
    processes: int = 64


def apply_limits(limits: Limits) -> None:
    """Set soft and hard limits alike, so the program cannot raise them back."""
    pairs = (
        (resource.RLIMIT_AS, limits.memory_mb << 20),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_MEMLOCK, 0),
        (resource.RLIMIT_MSGQUEUE, 0),
    )
    for which, value in pairs:
        resource.setrlimit(which, (value, value))
    # SIGXCPU at the soft limit tells a CPU-time kill apart from a crash.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))


def drop_privileges(uid: int) -> None:
    """Become ``uid`` (and gid ``uid``) with no supplementary groups and no capabilities."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
