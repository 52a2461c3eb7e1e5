"""A seccomp-BPF filter built once per worker and loaded into every sandboxed process.

A deny list on top of the other layers (an unprivileged uid already cannot mount or load
modules): it closes the kernel surfaces that matter even to an unprivileged process
(namespaces, ptrace and cross-process memory access, io_uring, bpf, keyrings, userfaultfd,
perf, System V IPC) and refuses network sockets, so the program has no network even where namespaces
are unavailable. Denied calls fail with ``EPERM``; ``clone3`` reports ``ENOSYS`` so that
glibc falls back to ``clone``, whose flags the filter can inspect."""

from __future__ import annotations

import ctypes
import errno
import os
import struct

from sandbox import sysapi

AUDIT_ARCH_X86_64 = 0xC000003E
# Filter return values.
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
# BPF opcodes.
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16

_X86_64_DENY = {
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "vhangup": 153,
    "pivot_root": 155,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "migrate_pages": 256,
    "unshare": 272,
    "move_pages": 279,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
    # System V IPC and POSIX message queues outlive a program inside the worker's IPC
    # namespace: a channel from one sample to the next. (POSIX shared memory and
    # semaphores live in /dev/shm, which is emptied between programs.)
    "shmget": 29,
    "shmat": 30,
    "shmctl": 31,
    "semget": 64,
    "semop": 65,
    "semctl": 66,
    "shmdt": 67,
    "msgget": 68,
    "msgsnd": 69,
    "msgrcv": 70,
    "msgctl": 71,
    "semtimedop": 220,
    "mq_open": 240,
    "mq_unlink": 241,
    "mq_timedsend": 242,
    "mq_timedreceive": 243,
    "mq_notify": 244,
    "mq_getsetattr": 245,
}
_X86_64_CLONE, _X86_64_CLONE3, _X86_64_SOCKET = 56, 435, 41
_AF_UNIX = 1


class SeccompUnavailable(OSError):
    """No filter for this machine's architecture."""


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def build_filter() -> bytes:
    """The filter program for this machine, as raw ``sock_filter`` instructions."""
    if os.uname().machine != "x86_64":
        raise SeccompUnavailable(0, f"no seccomp filter for {os.uname().machine}")
    eperm = _RET_ERRNO | errno.EPERM
    prog = [
        _insn(_LD_W_ABS, _OFF_ARCH),
        _insn(_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _insn(_RET_K, _RET_KILL_PROCESS),  # another ABI (int 0x80) would bypass the numbers
        _insn(_LD_W_ABS, _OFF_NR),
        _insn(_JGE_K, 0x40000000, 0, 1),  # the x32 ABI
        _insn(_RET_K, eperm),
    ]
    for nr in sorted(_X86_64_DENY.values()):
        prog += [_insn(_JEQ_K, nr, 0, 1), _insn(_RET_K, eperm)]
    prog += [
        _insn(_JEQ_K, _X86_64_CLONE3, 0, 1),
        _insn(_RET_K, _RET_ERRNO | errno.ENOSYS),
        _insn(_JEQ_K, _X86_64_CLONE, 0, 3),
        _insn(_LD_W_ABS, _OFF_ARG0),  # clone's flags (low 32 bits)
        _insn(_JSET_K, sysapi.NAMESPACE_FLAGS, 0, 1),
        _insn(_RET_K, eperm),
        _insn(_LD_W_ABS, _OFF_NR),
        _insn(_JEQ_K, _X86_64_SOCKET, 0, 4),
        _insn(_LD_W_ABS, _OFF_ARG0),  # socket's address family
        _insn(_JEQ_K, _AF_UNIX, 0, 1),
        _insn(_RET_K, _RET_ALLOW),
        _insn(_RET_K, _RET_ERRNO | errno.EACCES),
    ]
    prog.append(_insn(_RET_K, _RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class LoadedFilter:
    """A filter kept in memory in the form ``prctl`` wants, so each fork loads it in two calls."""

    def __init__(self, program: bytes) -> None:
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // 8, ctypes.addressof(self._buffer))

    def apply(self) -> None:
        """Load the filter into the calling (single-threaded) process; irreversible."""
        sysapi.prctl(sysapi.PR_SET_NO_NEW_PRIVS, 1)
        sysapi.prctl_ptr(sysapi.PR_SET_SECCOMP, sysapi.SECCOMP_MODE_FILTER, ctypes.addressof(self._fprog))
