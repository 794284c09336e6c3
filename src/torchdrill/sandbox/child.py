"""What a confined child runs: a student's files, as many calls as their graders make.

The zygote forks one child per *session* (for grading: every chapter file of one submission),
which confines itself once (jail, cgroups, tmpfs folders, rlimits, uid) and then serves calls
read from a pipe until the zygote ends it.  Each call is as it was when every call had a fresh
child: trusted code first puts the process back as it was (torch's global modes, seeds, working
folder, signal handlers, device simulation), executes the student's module afresh into a new
namespace (with reference callees put in place) and calls the function.  Everything after the
return happens in C or in a second, trusted thread: a C-level sequence removes profile and trace
functions, clears gc callbacks and stops the collector, disarms interval timers, blocks every
signal, wakes the *sealer* thread and waits for it; the sealer (Python signal handlers never run
outside the main thread, which sits in a C wait) fails the call if threads were left, removes
torch's global hooks, measures the probes and writes the record.  Nothing the student armed runs
in between.  Everything it hands back goes through :func:`wire.plain` and :mod:`codec`; the
trusted side decides the grade.  Nothing here is secret: the child never sees expected values,
only inputs.
"""
from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # no typeshed stub: the C functions behind `signal`
import _thread
import ctypes
import functools
import gc
import operator
import os
import random
import signal
import sys
import threading
import traceback
import types
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from . import codec, kit, wire
from . import frames as _frames

if TYPE_CHECKING:                          # Linux only: imported in run(), not here
    from . import isolation

    #: One probe of a call: (name, params, before or None, after), as ``call`` builds it from kit.PROBES.
    _Probe = tuple[str, list[Any], Callable[..., None] | None, Callable[..., Any]]
    #: A reference callee: (name, compiled code, whether its calls are recorded).
    _Callee = tuple[str, types.CodeType, bool]

# (``isolation`` is Linux-only: imported in ``run``, the Linux child's entry point, so that the
# portable worker (sandbox/portable_worker.py) can use Session where there is no ``resource``.)

# Captured before any student code exists in this process.
_encode, _decode, _plain, _exit = codec.encode, codec.decode, wire.plain, os._exit
_ALL_SIGNALS = set(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP}
_gc_callbacks = gc.callbacks            # the list the collector really uses, whatever gc.callbacks becomes
_gc_threshold = gc.get_threshold()
_warning_filters = list(warnings.filters)
_recursion_limit = sys.getrecursionlimit()
_set_deterministic_algorithms = torch._C._set_deterministic_algorithms
_np_errors = np.geterr()

MAX_FRAMES = 12
MAX_REQUEST = 256 << 20


def _version_reader() -> Callable[[dict[Any, Any]], int] | None:
    """A reader of a dict's ``ma_version_tag`` (PEP 509: CPython 3.11 to 3.13 give every dict a new
    tag at each change), or None where this build has none or the self-test below fails.  Reading
    it touches no object's reference count, so a child checks its namespaces without copying the
    zygote's pages on write."""
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13) \
            or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    offset = 3 * ctypes.sizeof(ctypes.c_ssize_t)       # ob_refcnt, ob_type, ma_used, then the tag
    read = ctypes.c_uint64.from_address

    def version(d: dict[Any, Any]) -> int:
        return read(id(d) + offset).value

    try:
        d: dict[str, int] = {}
        tags = [version(d)]
        for change in (lambda: d.__setitem__("a", 1), lambda: d.__setitem__("a", 2), lambda: d.update(b=3),
                       lambda: d.pop("a"), d.clear):
            change()
            tags.append(version(d))
        used = ctypes.c_ssize_t.from_address(id(d) + 2 * ctypes.sizeof(ctypes.c_ssize_t)).value
        if len(set(tags[1:])) != len(tags) - 1 or tags[0] in tags[1:] or used != 0:
            return None
        d["x"] = 1
        if ctypes.c_ssize_t.from_address(id(d) + 2 * ctypes.sizeof(ctypes.c_ssize_t)).value != 1:
            return None
    except Exception:
        return None
    return version


_version = _version_reader()


def _real_dict(obj: object) -> dict[str, Any] | None:
    """The dict behind ``vars(obj)`` (a class's is behind a read-only proxy)."""
    ns = vars(obj)
    if type(ns) is dict:
        return ns
    inner = gc.get_referents(ns)
    return inner[0] if len(inner) == 1 and type(inner[0]) is dict else None


def _patchable() -> list[object]:
    """The namespaces student code patches (``torch.allclose = …``, ``torch.Tensor.__eq__ = …``):
    put back before every call, so one call's patches cannot reach another stub's calls."""
    import builtins
    import math

    import torch.nn.functional as F

    return [torch, torch.Tensor, torch.nn, F, torch.nn.Module, torch.autograd, torch.optim, torch.testing,
            np, np.ndarray, math, builtins, random]


class _Snapshot:
    """The attributes of :func:`_patchable` as trusted code found them, and the entries of
    ``sys.modules`` for torch, numpy and the engine.

    ``restore`` puts back what changed.  A namespace whose dict still has the version tag it had
    when it was last found as saved is skipped without reading it (a few µs for all of them, no
    page of the zygote copied); any other is compared by identity, entry by entry, put back, and
    its tag remembered once it holds exactly the saved objects again.  Without version tags every
    namespace is compared every time."""

    def __init__(self) -> None:
        self.saved = [(obj, dict(vars(obj)), isinstance(obj, type)) for obj in _patchable()]
        self.dicts = [_real_dict(obj) for obj, _s, _c in self.saved]
        self.tags: list[int | None] = [None] * len(self.saved)
        # ``sys.modules['torch'] = fake``: trusted code that imports torch must still get torch
        saved = {name: mod for name, mod in sys.modules.items()
                 if name.split(".")[0] in ("torch", "numpy", "torchdrill", "builtins", "math", "random")}
        self.module_names, self.modules = tuple(saved), tuple(saved.values())
        self.sys_modules = sys.modules
        self.modules_tag: int | None = None
        self.module_name_set = frozenset(self.module_names)
        self.restore()                       # nothing to put back: finds and remembers the tags

    def restore(self) -> None:
        modules = sys.modules
        if _version is None or modules is not self.sys_modules or _version(modules) != self.modules_tag:
            tag = _version(modules) if _version is not None else None
            if any(map(operator.is_not, map(modules.get, self.module_names), self.modules)):   # C loop
                for name, mod in zip(self.module_names, self.modules, strict=True):
                    if modules.get(name) is not mod:
                        modules[name] = mod
                tag = None                   # changed just now: verified again next time
            self.modules_tag = tag if modules is self.sys_modules else None
        for i, (obj, saved, is_class) in enumerate(self.saved):
            d = self.dicts[i]
            if _version is not None and d is not None and _version(d) == self.tags[i]:
                continue
            tag = _version(d) if _version is not None and d is not None else None
            current = vars(obj)
            changed = False
            for name, value in saved.items():
                if current.get(name, _MISSING) is not value:
                    changed = True
                    try:
                        setattr(obj, name, value)
                    except (AttributeError, TypeError):
                        pass
            if is_class:                  # a method added to a class (Tensor.__eq__) overrides its base's
                for name in set(current) - set(saved):
                    changed = True
                    try:
                        delattr(obj, name)
                    except (AttributeError, TypeError):
                        pass
            self.tags[i] = None if changed else tag

    def register(self, name: str, module: types.ModuleType) -> None:
        """``sys.modules[name] = module`` for the student's module, by trusted code: when the entries
        of sys.modules were as saved just before, they still are after (so the check after the
        call is not a full one for this alone).  The earlier call's module is kept alive until the
        tag is read, so that no finalizer of the student's runs in between (it runs after, and any
        change it makes is seen by the next check)."""
        modules = sys.modules
        if modules is not self.sys_modules or _version is None or name in self.module_name_set:
            modules[name] = module
            return
        verified = _version(modules) == self.modules_tag
        old = modules.get(name)
        modules[name] = module
        if verified:
            self.modules_tag = _version(modules)
        del old


_MISSING = object()


class _Prepared:
    """What every child of a zygote needs and can inherit instead of building it after the fork
    (where taking a snapshot would copy thousands of the zygote's pages on write)."""

    def __init__(self) -> None:
        self.snapshot = _Snapshot()
        self.signals = tuple(s for s in _ALL_SIGNALS if _valid(s))
        # torch.manual_seed also seeds every accelerator; where none is available it queues a
        # lazy call for each (formatting a stack trace every time: about 0.3 ms a call) that can
        # never run: seeding the CPU generator alone is then the same and 100 times cheaper.
        self.seed_all = kit.accelerator_available()


_prepared: _Prepared | None = None


def prepare() -> None:
    """In the zygote, once warmed up and before any fork: build the per-child state once, and
    freeze the collector's view of every object that exists now (a child's collections then never
    walk, and so never write to, the pages it shares with the zygote)."""
    global _prepared
    kit.neutralise_torch()           # finds torch's global hook tables while no student code has run
    _prepared = _Prepared()
    gc.freeze()


# ----------------------------------------------------------------------------- errors

def _student_frames(tb: types.TracebackType | None, filename: str, source_lines: list[str]) -> list[dict[str, Any]]:
    frames = []
    for fs in traceback.extract_tb(tb):
        if fs.filename == filename:
            line = source_lines[fs.lineno - 1].strip() if fs.lineno and 0 < fs.lineno <= len(source_lines) else ""
            frames.append({"line": int(fs.lineno or 0), "func": str(fs.name)[:100], "code": line[:300]})
    return frames[-MAX_FRAMES:]


def _describe(exc: BaseException, filename: str, source_lines: list[str]) -> dict[str, Any]:
    try:
        msg = str(exc)[: wire.MAX_STR]
    except BaseException:  # a hostile __str__
        msg = "<the exception's message could not be read>"
    t = type(exc)
    info = {
        "exc_type": f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__,
        "message": msg,
        "not_implemented": isinstance(exc, NotImplementedError),
        "memory": isinstance(exc, MemoryError) or ("can't allocate memory" in msg)
        or ("DefaultCPUAllocator" in msg) or ("out of memory" in msg.lower()),
        "frames": _student_frames(exc.__traceback__, filename, source_lines),
    }
    if isinstance(exc, SyntaxError):
        info["line"] = int(exc.lineno or 0)
        info["code"] = (exc.text or "").strip()[:300]
    return info


# ----------------------------------------------------------------------------- the pipe

def _read_frame(fd: int) -> bytes:
    return _frames.read_frame(fd, MAX_REQUEST)


# ----------------------------------------------------------------------------- the session

class _Module:
    """One of the student's files, read and compiled before confinement."""

    def __init__(self, path: str, name: str):
        self.path, self.name, self.filename = path, name, os.path.basename(path)
        self.text = ""
        self.lines: list[str] = []
        self.code: types.CodeType | None = None
        self.load_error: dict[str, Any] | None = None

    def load(self) -> None:
        with open(self.path, "rb") as f:
            source = f.read()
        try:
            self.text = source.decode("utf-8")
            self.lines = self.text.splitlines()
        except UnicodeDecodeError as exc:
            self.load_error = {"status": "import_error", "exc_type": "UnicodeDecodeError",
                               "message": f"the file is not UTF-8 text (byte {exc.start})", "frames": []}
            return
        try:
            self.code = compile(self.text, self.filename, "exec", dont_inherit=True)
        except BaseException as exc:  # SyntaxError, a too-deep expression (RecursionError, MemoryError)
            self.load_error = dict(status="import_error", **_describe(exc, self.filename, self.text.splitlines()))


class Session:
    """The child's side of one session: its confinement, its modules (one chapter file, or every
    chapter file of a submission), its calls."""

    def __init__(self, spec: dict[str, Any], req_fd: int, rep_fd: int):
        self.spec, self.req_fd, self.rep_fd = spec, req_fd, rep_fd
        pairs = spec.get("modules") or [[spec["module"], spec["module_name"]]]
        self.modules = {name: _Module(path, name) for path, name in pairs}
        self.first = pairs[0][1]
        self.output_cap = int(spec["output_bytes"])
        self.out_fd = -1
        self.callee_cache: dict[str, types.CodeType] = {}
        self.current_module = ""          # the file the last call went to (see _enter)
        prepared = _prepared or _Prepared()
        self.snapshot, self.seed_all = prepared.snapshot, prepared.seed_all
        self.handlers = {s: _signal.getsignal(s) for s in prepared.signals}
        self._go, self._done = _thread.allocate_lock(), _thread.allocate_lock()
        self._go.acquire()
        self._done.acquire()
        self._job: Callable[[], None] | None = None

    def start_sealer(self) -> None:
        """The trusted thread that finishes every call once the student's function returned (started
        after confinement: a threaded process cannot enter a new mount namespace)."""
        threading.Thread(target=self._sealer, name="torchdrill-sealer", daemon=True).start()

    def _sealer(self) -> None:
        while True:
            self._go.acquire()
            job, self._job = self._job, None
            try:
                if job is not None:
                    job()
            except BaseException as exc:      # the harness tripped over what the call left behind
                try:
                    self.send({"status": "unsaveable", "message": f"{type(exc).__name__}: {exc}"[:500]})
                except BaseException:
                    pass
            finally:
                self._done.release()

    # --- as root, before confinement: read what the child needs
    def load(self) -> None:
        for module in self.modules.values():
            module.load()

    def open_output(self) -> None:
        """One output file in the child's own folder, truncated before each call; every write
        beyond ``RLIMIT_FSIZE`` fails with "File too large", as a flood should."""
        self.out_fd = os.open("output.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        null_fd = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.close(null_fd)

    def serve(self) -> None:
        while True:
            try:
                frame = _read_frame(self.req_fd)
            except (EOFError, OSError):
                return
            _block_signals()
            result = self.call(frame)
            if result is not None:           # None: the sealer has sent it already
                self.send(result)

    def send(self, result: dict[str, Any]) -> None:
        try:
            data = _encode(result)
        except BaseException as exc:  # what came back could not be written: say so instead
            data = _encode({"status": "unsaveable", "message": f"{type(exc).__name__}: {exc}"[:500]})
        _frames.write_frame(self.rep_fd, data)

    # --- one call
    def call(self, frame: bytes) -> dict[str, Any] | None:
        """One call; its record, or None when the sealer has measured and sent it."""
        try:
            self.snapshot.restore()          # torch as trusted code knows it, before decoding with it
            req = _decode(frame, max_bytes=MAX_REQUEST)
            self.reset(int(req["seed"]))
            args = kit.build(req["args"])
            kwargs = {k: kit.build(v) for k, v in req["kwargs"].items()}
            ctx = kit.Ctx(args, kwargs)
            probes = [(p["name"], p["params"]) + kit.PROBES[p["name"]] for p in req.get("probes", [])]
            self._enter(str(req.get("module") or self.first))
            callees = [(name, self._callee(code), record) for name, code, record in req.get("callees", [])]
        except BaseException as exc:
            return {"status": "harness_error", "message": f"building inputs: {type(exc).__name__}: {exc}"[:500]}
        result = self._run(req, ctx, probes, callees)
        if result is not None:
            result["output"], result["output_truncated"] = self.output()
        kit.cleanup(ctx)
        return result

    def _enter(self, module: str) -> None:
        """Calls move on to another of the session's files (one child serves a whole submission):
        the earlier file's module leaves ``sys.modules`` (a chapter cannot ``import`` another's,
        as in a child of its own: the staged folder is not on ``sys.path``) and so do the
        reference callees compiled for it, so none stays longer than its chapter's calls."""
        if module == self.current_module:
            return
        self.current_module = module
        self.callee_cache.clear()
        for name in self.modules:
            if name != module:
                sys.modules.pop(name, None)

    def _callee(self, code: str) -> types.CodeType:
        compiled = self.callee_cache.get(code)
        if compiled is None:
            compiled = self.callee_cache[code] = compile(code, "<reference>", "exec", dont_inherit=True)
        return compiled

    def reset(self, seed: int) -> None:
        """Put back what an earlier call of this session may have changed (trusted code)."""
        kit.neutralise_torch()            # modes an earlier call left on this thread's stacks
        threading.settrace(None)
        threading.setprofile(None)
        for s, h in self.handlers.items():
            try:
                _signal.signal(s, h)
            except (OSError, ValueError, TypeError):
                pass
        os.chdir(self.spec["workdir"])
        sys.setrecursionlimit(_recursion_limit)
        warnings.filters[:] = _warning_filters  # type: ignore[index]  # typeshed says Sequence; it is a list
        gc.set_threshold(*_gc_threshold)
        gc.enable()
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)
        if torch.get_num_threads() != 1:       # a bigger pool needs threads the child may not start:
            torch.set_num_threads(1)           # an earlier call's choice must not crash this one
        if torch.get_float32_matmul_precision() != "highest":   # numerics as every other call has them
            torch.set_float32_matmul_precision("highest")
        torch.set_flush_denormal(False)
        if np.geterr() != _np_errors:
            np.seterr(**_np_errors)
        if "torch._inductor.config" in sys.modules:
            torch.use_deterministic_algorithms(False)   # inductor's flag too, now that it exists
        else:       # torch's function imports inductor's config (and sympy: a second) to set it
            _set_deterministic_algorithms(False, warn_only=False)
        torch.autograd.set_detect_anomaly(False)
        if self.seed_all:
            torch.manual_seed(seed)
        else:
            torch.default_generator.manual_seed(seed)
        np.random.seed(seed % (1 << 32))
        random.seed(seed)
        if self.out_fd >= 0:
            try:
                os.ftruncate(self.out_fd, 0)
                os.lseek(self.out_fd, 0, os.SEEK_SET)
                os.dup2(self.out_fd, 1)
                os.dup2(self.out_fd, 2)
            except OSError:
                pass

    def output(self) -> tuple[str, bool]:
        """What the student's code printed this call (the first ``output_cap`` bytes) and whether
        there was more."""
        return _frames.read_output(self.out_fd, self.output_cap)

    def _run(self, req: dict[str, Any], ctx: kit.Ctx, probes: list[_Probe],
             callees: list[_Callee]) -> dict[str, Any] | None:
        m = self.modules.get(str(req.get("module") or self.first)) or self.modules[self.first]
        if m.load_error is not None:
            return dict(m.load_error)
        assert m.code is not None            # load() compiled it, or load_error says why not
        lines = m.lines
        module = types.ModuleType(m.name)
        module.__file__ = m.filename
        self.snapshot.register(m.name, module)
        try:
            _unblock_signals()
            exec(m.code, module.__dict__)
            _block_signals()
        except BaseException as exc:
            _block_signals()
            _seal()
            self.snapshot.restore()
            return dict(status="import_error", **_describe(exc, m.filename, lines))
        for name, code, record in callees:
            # Executed in the student's namespace: a reference train_step calls whatever loss_fn is
            # there (the reference one too, when the grader asks for both).
            exec(code, module.__dict__)
            if record:
                module.__dict__[name] = _recorder(name, module.__dict__[name], ctx)
        func = module.__dict__.get(req["func"])
        if not isinstance(func, types.FunctionType):
            _seal()
            return {"status": "missing_function", "found": None if func is None else wire.opaque(func)["type"]}
        repeat = int(req.get("repeat", 1))
        self._job = lambda: self.send(self._measure(ctx, probes, repeat, m))
        try:
            for _name, params, before, _after in probes:
                if before is not None:
                    before(ctx, *params)
            self._call_sealed(func, ctx, repeat)
            return None
        except BaseException as exc:
            self._job = None
            _block_signals()
            problem = _seal()
            self.snapshot.restore()
            if problem:
                return problem
            return dict(status="raised", **_describe(exc, m.filename, lines))

    def _measure(self, ctx: kit.Ctx, probes: list[_Probe], repeat: int, m: _Module) -> dict[str, Any]:
        """In the sealer thread, after the call: the record of a call that returned."""
        self.snapshot.restore()      # the checks, probes and serializer use torch as trusted code knows it
        problem = _seal_checks()
        if problem:
            return problem
        try:
            measured = {name: _plain(after(ctx, *params)) for name, params, _b, after in probes}
            result = {"status": "ok", "value": _plain(ctx.results[-1]), "args": _plain(list(ctx.args)),
                      "kwargs": _plain(ctx.kwargs), "probes": measured}
            if repeat > 1:
                result["values"] = _plain(ctx.results)
        except BaseException as exc:
            result = dict(status="probe_error", **_describe(exc, m.filename, m.text.splitlines()))
        result["output"], result["output_truncated"] = self.output()
        return result

    def _call_sealed(self, func: types.FunctionType, ctx: kit.Ctx, repeat: int) -> None:
        """Call the student's function ``repeat`` times, collecting the results, then — all in C,
        no Python frame in between, so no profile or trace function, signal handler or gc callback
        the student armed gets a turn — remove profile and trace functions, clear gc callbacks and
        stop the collector, disarm interval timers, block every signal (libc directly: Python's own
        call would first run pending handlers), hand over to the sealer thread and wait for it.
        Raises what the student's function raised.  (Its own 'return' event still fires inside its
        frame: nothing it could not have done in its body.)"""
        calls = map(ctx.results.append, map(_invoke, [functools.partial(func, *ctx.args, **ctx.kwargs)] * repeat))
        modes = ctx.state["modes_after"] = []       # thread-local: read here, for the grad_mode probe
        steps = [functools.partial(list, calls), functools.partial(modes.extend, map(_invoke, _MODES)),
                 gc.disable, _gc_callbacks.clear, _NO_PROFILE, _NO_TRACE,
                 *_DISARM, _BLOCK_ALL, self._go.release, self._done.acquire]
        _unblock_signals()
        list(map(_invoke, steps))


# ----------------------------------------------------------------------------- sealing

def _valid(s: int) -> bool:
    try:
        signal.getsignal(s)
        return True
    except (ValueError, OSError):
        return False


# Calls each step from C without allocating a tracked object between two steps (methodcaller would
# make a method-wrapper for every builtin step: with the collector's threshold set to 1, enough to
# run a gc callback the student registered before ours are cleared).
_invoke = getattr(operator, "call", None) or operator.methodcaller("__call__")
_NO_PROFILE: Callable[[], object] = functools.partial(sys.setprofile, None)
_MODES = (torch._C.is_grad_enabled, torch._C.is_inference_mode_enabled)
_NO_TRACE: Callable[[], object] = functools.partial(sys.settrace, None)
_DISARM: tuple[Callable[[], object], ...]
_BLOCK_ALL: Callable[[], object]
if hasattr(_signal, "setitimer") and hasattr(_signal, "pthread_sigmask"):       # POSIX
    _DISARM = tuple(functools.partial(_signal.setitimer, t, 0)
                    for t in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF))
    _FULL_SET = ctypes.create_string_buffer(b"\xff" * 128)       # a sigset_t with every signal
    _BLOCK_ALL = functools.partial(ctypes.CDLL(None).pthread_sigmask, signal.SIG_BLOCK, _FULL_SET, None)
else:                    # Windows: no interval timers, no signal masks (the portable backend)
    _DISARM = ()
    _BLOCK_ALL = gc.disable


def _block_signals() -> None:
    if hasattr(_signal, "pthread_sigmask"):
        _signal.pthread_sigmask(signal.SIG_BLOCK, _ALL_SIGNALS)


def _unblock_signals() -> None:
    if hasattr(_signal, "pthread_sigmask"):
        _signal.pthread_sigmask(signal.SIG_UNBLOCK, _ALL_SIGNALS)


def _seal() -> dict[str, Any] | None:
    """In the main thread, after the student's code raised (or its module did): remove what it
    armed before we go on.  The record of a raise earns nothing whatever runs, so this is tidiness
    more than defence; the returned call goes through the sealer instead."""
    for step in (gc.disable, _gc_callbacks.clear, _NO_PROFILE, _NO_TRACE, *_DISARM, _BLOCK_ALL):
        step()
    return _seal_checks()


def _seal_checks() -> dict[str, Any] | None:
    """Trusted code after the call, with the student's function returned and every signal blocked:
    what it could have armed for later and cannot be undone from Python fails the call (threads);
    what can be, is removed (3.12+ monitoring tools, torch's global module hooks)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:         # Python 3.12+: tools that watch every instruction
        for tool in range(6):
            try:
                monitoring.set_events(tool, 0)
                monitoring.free_tool_id(tool)
            except (ValueError, AttributeError):
                pass
    kit.neutralise_torch()
    try:
        tasks = len(os.listdir("/proc/self/task"))
    except OSError:
        tasks = threading.active_count()
    if tasks > 2:                      # this thread and the sealer
        return {"status": "threads", "threads": tasks - 2}
    return None


# ----------------------------------------------------------------------------- entry point

def run(spec: dict[str, Any], jail: isolation.Jail | None, req_fd: int, rep_fd: int,
        join: Callable[[], None] | None = None) -> None:
    """Entry point in the forked child. Never returns."""
    from . import isolation

    status = 1
    try:
        session = Session(spec, req_fd, rep_fd)
        session.load()
        limits = isolation.Limits(**spec["limits"])
        workdir = spec["workdir"]
        isolation.confine(jail, workdir, limits, join=join)
        spec["workdir"] = os.getcwd()
        session.open_output()
        _close_all_but({0, 1, 2, req_fd, rep_fd, session.out_fd})
        session.start_sealer()
        session.serve()
        status = 0
    except BaseException:
        traceback.print_exc()     # the zygote's stderr (before confinement): for staff debugging
    finally:
        _exit(status)


def _close_all_but(keep: set[int]) -> None:
    low = 0
    for fd in [*sorted(keep), 65536]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1


_Copies = dict[int, tuple[torch.Tensor, torch.Tensor]]


def _recorder(name: str, fn: Callable[..., Any], ctx: kit.Ctx) -> Callable[..., Any]:
    """Wrap a reference callee so the grader sees every call the student's code makes to it.

    A tensor handed in again unchanged (the same object, the same geometry, the same bits: a
    training loop's ``x`` and ``y`` every epoch) is recorded by the copy made of it last time, so
    one storage travels instead of one per call.  Its bits are compared, not its version counter,
    which writes through ``.data`` or numpy do not move."""
    log = ctx.callee_log.setdefault(name, [])
    copies: list[_Copies] = [{}]         # the last call's: id -> (tensor, copy)

    def recorded(*a: Any, **k: Any) -> Any:
        before: _Copies = copies[0]
        now: _Copies = {}
        entry: dict[str, Any] = {"args": [_snap(v, before, now) for v in a],
                                 "kwargs": {key: _snap(v, before, now) for key, v in k.items()}}
        value = fn(*a, **k)
        entry["return"] = _snap(value, before, now)
        copies[0] = now
        if len(log) < 100_000:
            log.append(entry)
        return value

    recorded.__name__ = name
    return recorded


def _snap(v: object, before: _Copies, now: _Copies) -> object:
    if type(v) is torch.Tensor:
        seen = before.get(id(v))
        if seen is not None and seen[0] is v and _same(v, seen[1]):
            copy = seen[1]
        else:
            copy = v.detach().clone()
        now[id(v)] = (v, copy)
        return {"value": copy, "requires_grad": bool(v.requires_grad), "is_leaf": bool(v.is_leaf),
                "id": id(v) % (1 << 62)}
    if type(v) in (int, float, bool) or v is None:
        return v
    return wire.opaque(v)


_AS_INTS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def _same(v: torch.Tensor, copy: torch.Tensor) -> bool:
    """Whether ``copy`` (a clone of ``v`` made earlier) is what cloning ``v`` now would give: the same
    dtype, device, shape and strides, and the same bits (-0.0 is not 0.0; a NaN equals itself)."""
    try:
        ints = _AS_INTS.get(v.element_size())
        return (ints is not None and v.dtype == copy.dtype and v.device == copy.device and v.shape == copy.shape
                and v.stride() == copy.stride() and torch.equal(v.detach().view(ints), copy.view(ints)))
    except (RuntimeError, NotImplementedError, TypeError, ValueError):     # meta, sparse, quantized...
        return False
