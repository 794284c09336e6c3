"""The code a forked child runs: confine itself, load the student's file, call one function.

Runs inside the zygote's fork, so torch is already imported and warm.  Everything it hands back
goes through :func:`wire.plain` into one ``torch.save`` file; the trusted side decides the grade.
Nothing here is secret: the child never sees expected values, only inputs.
"""
from __future__ import annotations

import io
import os
import random
import sys
import traceback
import types

import numpy as np
import torch

from . import isolation, kit, wire

# Captured before any student code exists in this process.
_save, _load, _plain, _exit = torch.save, torch.load, wire.plain, os._exit
_ok_types = (str, int)

MAX_FRAMES = 12


def _student_frames(tb, filename: str, source_lines: list[str]) -> list[dict]:
    frames = []
    for fs in traceback.extract_tb(tb):
        if fs.filename == filename:
            line = source_lines[fs.lineno - 1].strip() if fs.lineno and 0 < fs.lineno <= len(source_lines) else ""
            frames.append({"line": int(fs.lineno or 0), "func": str(fs.name)[:100], "code": line[:300]})
    return frames[-MAX_FRAMES:]


def _describe(exc: BaseException, filename: str, source_lines: list[str]) -> dict:
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


def _write(path: str, result: dict) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    buf = io.BytesIO()
    try:
        _save(result, buf)
    except BaseException as exc:  # the value could not be saved: report that instead
        buf = io.BytesIO()
        _save({"status": "unsaveable", "message": f"{type(exc).__name__}: {exc}"[:500]}, buf)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(buf.getbuffer())


def run(req: dict, jail: isolation.Jail | None) -> None:
    """Entry point in the forked child. Never returns."""
    status = 1
    try:
        status = _run(req, jail)
    finally:
        _exit(status)


def _run(req: dict, jail: isolation.Jail | None) -> int:
    call_dir = req["call_dir"]
    # --- as root, on the host side of the jail: read what the child needs, then confine.
    with open(req["args"], "rb") as f:
        args_blob = f.read()
    callee_code = {}
    for name, spec in req.get("callees", {}).items():
        with open(spec["file"], "rb") as f:
            callee_code[name] = (compile(f.read(), "<reference>", "exec", dont_inherit=True), bool(spec.get("record")))
        os.unlink(spec["file"])
    req["callees"] = None          # nothing of the reference's text stays reachable from here
    with open(req["module"], "rb") as f:
        source = f.read()
    out_fd = os.open(os.path.join(call_dir, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.closerange(3, 65536)
    lim = req["limits"]
    limits = isolation.Limits(
        cpu_seconds=int(lim["cpu_seconds"]),
        memory_bytes=isolation.vm_size_bytes() + int(lim["memory_mb"]) * (1 << 20),
        file_bytes=int(lim["file_mb"]) * (1 << 20),
        nproc=int(lim["nproc"]),
    )
    isolation.confine(jail, call_dir, limits)
    # Absolute, so a student's os.chdir cannot send the result elsewhere.
    result_path = os.path.join(jail.inside(call_dir) if jail else call_dir, "result.pt")
    filename = os.path.basename(req["module"])
    seed = int(req["seed"])
    torch.manual_seed(seed)
    np.random.seed(seed % (1 << 32))
    random.seed(seed)

    # --- build the inputs (trusted code; a failure here is a grader error)
    try:
        payload = _load(io.BytesIO(args_blob), weights_only=True)
        args = kit.build(payload["args"])
        kwargs = {k: kit.build(v) for k, v in payload["kwargs"].items()}
        ctx = kit.Ctx(args, kwargs)
        probes = [(p["name"], p["params"]) + kit.PROBES[p["name"]] for p in req.get("probes", [])]
    except BaseException as exc:
        _write(result_path, {"status": "harness_error", "message": f"building inputs: {type(exc).__name__}: {exc}"[:500]})
        return 0

    # --- the student's module, with reference callees put in place of the student's own
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as exc:
        _write(result_path, {"status": "import_error", "exc_type": "UnicodeDecodeError",
                             "message": f"the file is not UTF-8 text (byte {exc.start})", "frames": []})
        return 0
    lines = text.splitlines()
    module = types.ModuleType(req["module_name"])
    module.__file__ = filename
    sys.modules[req["module_name"]] = module
    try:
        code = compile(text, filename, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException as exc:
        _write(result_path, dict(status="import_error", **_describe(exc, filename, lines)))
        return 0
    for name, (code, record) in callee_code.items():
        # Executed in the student's namespace: a reference train_step calls whatever loss_fn is
        # there (the reference one too, when the grader asks for both).
        exec(code, module.__dict__)
        if record:
            module.__dict__[name] = _recorder(name, module.__dict__[name], ctx)
    callee_code.clear()
    func = module.__dict__.get(req["func"])
    if not isinstance(func, types.FunctionType):
        _write(result_path, {"status": "missing_function",
                             "found": None if func is None else wire.opaque(func)["type"]})
        return 0

    # --- the call
    try:
        for name, params, before, _after in probes:
            if before is not None:
                before(ctx, *params)
        for _ in range(int(req.get("repeat", 1))):
            ctx.results.append(func(*args, **kwargs))
    except BaseException as exc:
        _write(result_path, dict(status="raised", calls_done=len(ctx.results), **_describe(exc, filename, lines)))
        return 0
    try:
        measured = {name: _plain(after(ctx, *params)) for name, params, _b, after in probes}
        result = {"status": "ok", "value": _plain(ctx.results[-1]), "args": _plain(list(args)),
                  "kwargs": _plain(kwargs), "probes": measured}
        if int(req.get("repeat", 1)) > 1:
            result["values"] = _plain(ctx.results)
    except BaseException as exc:
        _write(result_path, dict(status="probe_error", **_describe(exc, filename, lines)))
        return 0
    _write(result_path, result)
    return 0


def _recorder(name: str, fn, ctx: kit.Ctx):
    """Wrap a reference callee so the grader sees every call the student's code makes to it."""
    log = ctx.callee_log.setdefault(name, [])

    def recorded(*a, **k):
        entry = {"args": [_snap(v) for v in a], "kwargs": {key: _snap(v) for key, v in k.items()}}
        value = fn(*a, **k)
        entry["return"] = _snap(value)
        if len(log) < 100_000:
            log.append(entry)
        return value

    recorded.__name__ = name
    return recorded


def _snap(v):
    if type(v) is torch.Tensor:
        return {"value": v.detach().clone(), "requires_grad": bool(v.requires_grad),
                "is_leaf": bool(v.is_leaf), "id": id(v) % (1 << 62)}
    if type(v) in (int, float, bool) or v is None:
        return v
    return wire.opaque(v)
