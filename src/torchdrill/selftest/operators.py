"""Mutation operators: the mistakes students make in PyTorch code, as small rewrites of one node.

Two families:

* ``wrong``: each rewrite makes a stub wrong in a way the course names, or a generic slip
  (operators, constants, comparisons).  Grounded in the real-fault taxonomies of deep-learning
  code (Humbatova et al., ICSE 2020: missing API call, wrong API usage, missing bias, missing
  transfer to the device; DeepCrime: learning rate, epochs, loss and optimizer changed, bias
  removed) and in the "Watch out" notes of the course's own docstrings.  A grader must take at
  least one point of the stub for each of them, unless the mutant is declared equivalent.
* ``right``: rewrites that a correct student writes instead (``F.mse_loss``, ``.grad = None``,
  ``a @ b`` …).  They must keep full marks; a grader that fails one "wrongly rejects" it.

An operator is a function ``(node, ctx) -> iterable of (new_node, label)``: for one libcst node
of a solution region it proposes replacements, each with a short label that says what changed
(the label also feeds the mutant's stable id).  Statement-level operators (drop, move, unwrap)
receive an ``IndentedBlock`` and return the block with its body changed; they touch only
statements inside the solution region (``ctx.in_region``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

WRONG, RIGHT = "wrong", "right"

Proposal = tuple[cst.CSTNode, str]


@dataclass
class Context:
    """What an operator may know about the stub it mutates."""

    module: cst.Module
    defaults: dict[str, str] = field(default_factory=dict)    # parameter -> its default, as code
    in_region: Callable[[cst.CSTNode], bool] = lambda node: True

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


@dataclass(frozen=True)
class Operator:
    name: str
    family: str
    doc: str
    fn: Callable[[cst.CSTNode, Context], Iterable[Proposal]]


OPERATORS: dict[str, Operator] = {}


def _op(name: str, family: str, doc: str):
    def register(fn):
        OPERATORS[name] = Operator(name, family, doc, fn)
        return fn
    return register


def operators(family: str | None = None) -> list[Operator]:
    return [op for op in OPERATORS.values() if family is None or op.family == family]


# --------------------------------------------------------------------------- helpers

def dotted(expr: cst.CSTNode) -> str | None:
    """``torch.nn.Linear`` for a chain of names and attributes, else None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


def _method(call: cst.CSTNode | None) -> str | None:
    """The method name of ``x.name(...)``, else None."""
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def _expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _small_statement(code: str) -> cst.BaseSmallStatement:
    """The one simple statement ``code`` is (an assignment, an expression …)."""
    line = cst.parse_statement(code + "\n")
    assert isinstance(line, cst.SimpleStatementLine), code
    return line.body[0]


def _atom(ctx: Context, expr: cst.BaseExpression) -> str:
    """The code of ``expr``, parenthesised unless it already binds tighter than a method call."""
    code = ctx.code(expr)
    if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)) or expr.lpar:
        return code
    return f"({code})"


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _with_kwarg(call: cst.Call, name: str, value: str) -> cst.Call:
    """``call`` with ``name=value`` set (replacing the argument when present)."""
    arg = cst.Arg(value=_expr(value), keyword=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    old = _keyword(call, name)
    if old is not None:
        return call.with_deep_changes(old, value=arg.value)
    args = list(call.args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, arg])


def _without_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    args = [a for a in call.args if a is not arg]
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=args)


def _statement_call(stmt: cst.CSTNode) -> cst.Call | None:
    """The call of a statement that is just ``something(...)``."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
        value = stmt.body[0].value
        return value if isinstance(value, cst.Call) else None
    return None


def _is_zeroing(stmt: cst.CSTNode) -> bool:
    """``x.grad.zero_()``, ``opt.zero_grad()``, ``model.zero_grad()`` or ``x.grad = None``."""
    if (_method(_statement_call(stmt)) or "") in ("zero_", "zero_grad"):
        return True
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
        a = stmt.body[0]
        return (isinstance(a.value, cst.Name) and a.value.value == "None"
                and any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "grad" for t in a.targets))
    return False


def _method_statement(stmt: cst.CSTNode, name: str) -> bool:
    return _method(_statement_call(stmt)) == name


def _pass_line(leading=()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=tuple(leading))


def _splice(block: cst.IndentedBlock, i: int, replacement: list[Any]) -> cst.IndentedBlock:
    """Replace statement ``i`` of ``block`` by ``replacement`` (maybe nothing), keeping the comment
    lines above it (the ``# BEGIN SOLUTION`` marker may be one of them) in place."""
    body: list[Any] = list(block.body)          # statements: simple lines and compound ones, all with leading_lines
    lead = tuple(body[i].leading_lines)
    replacement = list(replacement)
    if replacement:
        replacement[0] = replacement[0].with_changes(leading_lines=lead + tuple(replacement[0].leading_lines))
    elif i + 1 < len(body):
        body[i + 1] = body[i + 1].with_changes(leading_lines=lead + tuple(body[i + 1].leading_lines))
    elif len(body) == 1 or lead:
        replacement = [_pass_line(lead)]
    body[i:i + 1] = replacement
    return block.with_changes(body=body or [_pass_line()])


def _move(block: cst.IndentedBlock, i: int, before: int) -> cst.IndentedBlock:
    """Move statement ``i`` so that it comes just before statement ``before`` (an index into the
    original body; ``len(body)`` means the end).  Comment lines stay where they were."""
    body: list[Any] = list(block.body)
    stmt = body.pop(i)
    if stmt.leading_lines and i < len(body):
        body[i] = body[i].with_changes(leading_lines=tuple(stmt.leading_lines) + tuple(body[i].leading_lines))
    moved = stmt.with_changes(leading_lines=())
    target = before if before <= i else before - 1
    if target < len(body) and body[target].leading_lines:
        moved = moved.with_changes(leading_lines=body[target].leading_lines)
        body[target] = body[target].with_changes(leading_lines=())
    body.insert(target, moved)
    return block.with_changes(body=body)


def _block_statements(block: cst.CSTNode, ctx: Context) -> Iterator[tuple[int, cst.BaseStatement]]:
    if isinstance(block, cst.IndentedBlock):
        for i, stmt in enumerate(block.body):
            if ctx.in_region(stmt):
                yield i, stmt


def _first_line(ctx: Context, node: cst.CSTNode) -> str:
    """The first line of code of ``node`` (comment lines above a statement left out)."""
    lines = [line.strip() for line in ctx.code(node).splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), "")


# =========================================================================== wrong: statements

@_op("drop_call", WRONG, "drop a call statement: zero_grad(), .grad.zero_(), backward(), step(), append(...)")
def drop_call(node, ctx):
    for i, stmt in _block_statements(node, ctx):
        if _statement_call(stmt) is not None:
            yield _splice(node, i, []), f"drop `{_first_line(ctx, stmt)}`"


@_op("drop_statement", WRONG, "drop an update: an augmented assignment, an attribute set, or a rebinding x = f(x)")
def drop_statement(node, ctx):
    for i, stmt in _block_statements(node, ctx):
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            continue
        small = stmt.body[0]
        rebinding = isinstance(small, cst.Assign) and any(
            isinstance(t.target, (cst.Attribute, cst.Subscript))
            or (isinstance(t.target, cst.Name) and re.search(rf"\b{t.target.value}\b", ctx.code(small.value)))
            for t in small.targets)
        if isinstance(small, cst.AugAssign) or rebinding:
            yield _splice(node, i, []), f"drop `{_first_line(ctx, stmt)}`"


@_op("unwrap_no_grad", WRONG,
     "run the body of `with torch.no_grad()` / `inference_mode()` with grad tracking on")
def unwrap_no_grad(node, ctx):
    for i, stmt in _block_statements(node, ctx):
        if isinstance(stmt, cst.With) and isinstance(stmt.body, cst.IndentedBlock) and any(
                isinstance(item.item, cst.Call)
                and (dotted(item.item.func) or "").endswith(("no_grad", "inference_mode"))
                for item in stmt.items):
            yield _splice(node, i, list(stmt.body.body)), f"unwrap `{_first_line(ctx, stmt)}`"


@_op("zero_before_backward", WRONG,
     "move the gradient reset next to backward(): before it, or between it and the update")
def zero_before_backward(node, ctx):
    stmts = list(_block_statements(node, ctx))
    backs = [i for i, s in stmts if _method_statement(s, "backward")]
    zeros = [i for i, s in stmts if _is_zeroing(s)]
    for b in backs:
        for z in zeros:
            what = _first_line(ctx, node.body[z])
            if z != b - 1:
                yield _move(node, z, b), f"`{what}` just before backward()"
            if z != b + 1:
                yield _move(node, z, b + 1), f"`{what}` just after backward()"


@_op("rebind_update", WRONG, "`w -= e` becomes `w = w - e`: a new tensor, the caller's w never changes")
def rebind_update(node, ctx):
    if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
        op = ctx.code(node.operator).strip().rstrip("=")
        new = _small_statement(f"{node.target.value} = {node.target.value} {op} {_atom(ctx, node.value)}")
        yield new, f"`{ctx.code(node).strip()}` → `{ctx.code(new).strip()}`"


# =========================================================================== wrong: PyTorch calls

_DROPPABLE = {"detach": "drop_detach", "to": "drop_to", "cpu": "drop_to", "cuda": "drop_to",
              "item": "drop_method", "clone": "drop_method", "contiguous": "drop_method", "float": "drop_method",
              "double": "drop_method", "requires_grad_": "drop_method", "squeeze": "drop_method",
              "numpy": "drop_method", "sum": "drop_method", "mean": "drop_method"}


def _drop_method(kind):
    def fn(node, ctx):
        name = _method(node)
        if name is not None and _DROPPABLE.get(name) == kind:
            yield node.func.value, f"drop `.{name}(…)` from `{_first_line(ctx, node)}`"
    return fn


_op("drop_detach", WRONG, "drop `.detach()`: the result keeps the graph")(_drop_method("drop_detach"))
_op("drop_to", WRONG, "drop `.to(device)` / `.cpu()`: the tensor stays where it was")(_drop_method("drop_to"))
_op("drop_method", WRONG, "drop a method call of a chain (.item(), .clone(), .squeeze(), .sum() …)")(
    _drop_method("drop_method"))


@_op("force_cpu", WRONG, "a device forced to the CPU: `.to(device)` → `.to('cpu')`, `device=x.device` → `device='cpu'`")
def force_cpu(node, ctx):
    if not isinstance(node, cst.Call):
        return
    pos = _positional(node)
    if _method(node) == "to" and len(pos) == 1 and "float" not in ctx.code(pos[0]) and "int" not in ctx.code(pos[0]):
        yield node.with_changes(args=[pos[0].with_changes(value=_expr('"cpu"'))]), "`.to(…)` → `.to(\"cpu\")`"
    dev = _keyword(node, "device")
    if dev is not None and ctx.code(dev.value) not in ('"cpu"', "'cpu'"):
        yield _with_kwarg(node, "device", '"cpu"'), f"`device={ctx.code(dev.value)}` → `device=\"cpu\"`"


@_op("mean_sum", WRONG, "`mean` ↔ `sum`")
def mean_sum(node, ctx):
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return
    swap = {"mean": "sum", "sum": "mean"}
    name = _method(node)
    if name in swap and dotted(node.func) not in ("torch.mean", "torch.sum"):
        yield node.with_deep_changes(node.func.attr, value=swap[name]), f"`.{name}(…)` → `.{swap[name]}(…)`"
    elif dotted(node.func) in ("torch.mean", "torch.sum"):
        other = swap[node.func.attr.value]
        yield node.with_deep_changes(node.func.attr, value=other), f"`{dotted(node.func)}` → `torch.{other}`"


_LOSSES = ("MSELoss", "L1Loss", "mse_loss", "l1_loss", "CrossEntropyLoss", "cross_entropy")


@_op("reduction", WRONG, "the loss reduction changed: `reduction='sum'`")
def reduction(node, ctx):
    if isinstance(node, cst.Call) and (dotted(node.func) or "").endswith(_LOSSES):
        old = _keyword(node, "reduction")
        new = '"mean"' if old is not None and "sum" in ctx.code(old.value) else '"sum"'
        yield _with_kwarg(node, "reduction", new), f"reduction={new}"


@_op("loss_swap", WRONG, "another loss: MSE ↔ L1")
def loss_swap(node, ctx):
    name = dotted(node.func) if isinstance(node, cst.Call) else None
    swaps = {"MSELoss": "L1Loss", "L1Loss": "MSELoss", "mse_loss": "l1_loss", "l1_loss": "mse_loss"}
    if name and name.rsplit(".", 1)[-1] in swaps and isinstance(node.func, cst.Attribute):
        new = swaps[node.func.attr.value]
        yield node.with_deep_changes(node.func.attr, value=new), f"`{name}` → `…{new}`"


@_op("optimizer_swap", WRONG, "another optimizer (SGD → Adam), or SGD with momentum")
def optimizer_swap(node, ctx):
    name = dotted(node.func) if isinstance(node, cst.Call) else None
    if name and name.endswith("optim.SGD"):
        yield node.with_deep_changes(node.func.attr, value="Adam"), "`SGD` → `Adam`"
        yield _with_kwarg(node, "momentum", "0.9"), "SGD with momentum=0.9"
    elif name and name.endswith(("optim.Adam", "optim.AdamW")):
        yield node.with_deep_changes(node.func.attr, value="SGD"), f"`{name}` → `SGD`"


@_op("bias_false", WRONG, "`nn.Linear(…, bias=False)`: the model loses its bias")
def bias_false(node, ctx):
    name = dotted(node.func) if isinstance(node, cst.Call) else None
    if name and name.endswith(("nn.Linear", "nn.Conv1d", "nn.Conv2d")) and _keyword(node, "bias") is None:
        yield _with_kwarg(node, "bias", "False"), "bias=False"


def _returns(node):
    return isinstance(node, cst.Return) and node.value is not None


@_op("add_item", WRONG, "`.item()` on a result whose graph must survive (or that must stay a tensor)")
def add_item(node, ctx):
    if _returns(node) and _method(node.value) != "item":
        yield node.with_changes(value=_expr(f"{_atom(ctx, node.value)}.item()")), "return `….item()`"


@_op("add_float", WRONG, "`float(...)` on a result whose graph must survive (or that must stay a tensor)")
def add_float(node, ctx):
    if _returns(node) and _method(node.value) != "item" and not (
            isinstance(node.value, cst.Call) and dotted(node.value.func) == "float"):
        yield node.with_changes(value=_expr(f"float({ctx.code(node.value)})")), "return `float(…)`"


_VIEWS = ("view", "reshape", "squeeze", "detach", "from_numpy", "numpy")


@_op("add_clone", WRONG, "a copy where a view is due: `.clone()` (`.copy()` after `.numpy()`)")
def add_clone(node, ctx):
    if not isinstance(node, cst.Call):
        return
    name = _method(node) or (dotted(node.func) or "").rsplit(".", 1)[-1]
    if name in _VIEWS:
        suffix = "copy" if name == "numpy" else "clone"
        yield _expr(f"{ctx.code(node)}.{suffix}()"), f"`{_first_line(ctx, node)}.{suffix}()`"


@_op("view_reshape", WRONG, "`view` ↔ `reshape`")
def view_reshape(node, ctx):
    swap = {"view": "reshape", "reshape": "view"}
    name = _method(node)
    if name in swap:
        yield node.with_deep_changes(node.func.attr, value=swap[name]), f"`.{name}` → `.{swap[name]}`"


@_op("dim", WRONG, "a dimension argument added or changed (`dim=0`, `keepdim=True`, `squeeze(0)`)")
def dim(node, ctx):
    name = _method(node)
    if name not in ("squeeze", "sum", "mean", "argmax", "max", "min", "flatten", "unsqueeze"):
        return
    pos, kw = _positional(node), _keyword(node, "dim")
    if not pos and kw is None:
        label = "0" if name == "squeeze" else "dim=0"
        new = node.with_changes(args=[cst.Arg(_expr("0"))]) if name == "squeeze" else _with_kwarg(node, "dim", "0")
        yield new, f"`.{name}()` → `.{name}({label})`"
        return
    target = kw or pos[0]
    if isinstance(target.value, cst.Integer):
        k = int(target.value.value)
        yield node.with_deep_changes(target, value=_expr(str(k + 1))), f"dim {k} → {k + 1}"
    if name in ("sum", "mean", "max", "min", "argmax") and _keyword(node, "keepdim") is None:
        yield _with_kwarg(node, "keepdim", "True"), "keepdim=True"


_DTYPES = {"torch.float32": "torch.float64", "torch.float": "torch.float64",
           "torch.float64": "torch.float32", "torch.double": "torch.float32"}


@_op("dtype", WRONG, "another dtype: float32 ↔ float64")
def dtype(node, ctx):
    name = dotted(node) if isinstance(node, cst.Attribute) else None
    if name in _DTYPES:
        yield _expr(_DTYPES[name]), f"`{name}` → `{_DTYPES[name]}`"


@_op("add_cast", WRONG, "a cast added to the result: `.double()`")
def add_cast(node, ctx):
    if _returns(node) and _method(node.value) not in ("double", "item", "numpy", "tolist"):
        yield node.with_changes(value=_expr(f"{_atom(ctx, node.value)}.double()")), "return `….double()`"


_KWARGS = {"dtype", "device", "requires_grad", "generator", "lr", "grad_outputs", "keepdim", "dim", "bias",
           "reduction", "momentum"}


@_op("drop_kwarg", WRONG, "a keyword argument dropped (dtype=, device=, requires_grad=, generator=, lr= …)")
def drop_kwarg(node, ctx):
    if isinstance(node, cst.Call):
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _KWARGS:
                yield _without_arg(node, arg), f"drop `{arg.keyword.value}={ctx.code(arg.value)}`"


@_op("requires_grad", WRONG, "requires_grad flipped")
def requires_grad(node, ctx):
    if not isinstance(node, cst.Call):
        return
    kw = _keyword(node, "requires_grad")
    if kw is not None and isinstance(kw.value, cst.Name) and kw.value.value in ("True", "False"):
        flip = "False" if kw.value.value == "True" else "True"
        yield node.with_deep_changes(kw, value=cst.Name(flip)), f"requires_grad={flip}"
    if _method(node) == "requires_grad_":
        pos = _positional(node)
        now = ctx.code(pos[0].value) if pos else "True"
        flip = "False" if now == "True" else "True"
        yield node.with_changes(args=[cst.Arg(cst.Name(flip))]), f"requires_grad_({flip})"


@_op("literal_arg", WRONG, "a parameter (lr, epochs, w0, generator …) replaced by its default literal: it is ignored")
def literal_arg(node, ctx):
    # Any use of the name: a keyword's or an attribute's own name turns into a syntax error, and
    # such candidates are dropped when the mutant is compiled.
    if isinstance(node, cst.Name) and node.value in ctx.defaults:
        yield _expr(ctx.defaults[node.value]), f"`{node.value}` → `{ctx.defaults[node.value]}`"


@_op("range_off_by_one", WRONG, "off by one in `range`")
def range_off_by_one(node, ctx):
    if isinstance(node, cst.Call) and dotted(node.func) == "range" and len(node.args) == 1 and not node.args[0].star:
        n = _atom(ctx, node.args[0].value)
        for new in (f"range({n} - 1)", f"range({n} + 1)", f"range(1, {n})"):
            yield _expr(new), f"`{ctx.code(node)}` → `{new}`"


_API = {"torch.add": "torch.sub", "torch.sub": "torch.add", "torch.mul": "torch.add", "torch.matmul": "torch.mul",
        "torch.mm": "torch.mul", "torch.zeros": "torch.ones", "torch.ones": "torch.zeros",
        "torch.randn": "torch.rand", "torch.from_numpy": "torch.tensor"}


@_op("api_swap", WRONG, "a neighbouring API: add → sub, matmul → mul, zeros ↔ ones, randn → rand, from_numpy → tensor")
def api_swap(node, ctx):
    name = dotted(node.func) if isinstance(node, cst.Call) else None
    if name in _API:
        yield node.with_changes(func=_expr(_API[name])), f"`{name}` → `{_API[name]}`"


@_op("swap_args", WRONG, "the two positional arguments of a call swapped")
def swap_args(node, ctx):
    if not isinstance(node, cst.Call):
        return
    pos = _positional(node)
    if len(pos) == 2 and len(node.args) >= 2 and ctx.code(pos[0].value) != ctx.code(pos[1].value):
        a, b = pos
        swapped = {id(a): a.with_changes(value=b.value), id(b): b.with_changes(value=a.value)}
        new = node.with_changes(args=[swapped.get(id(arg), arg) for arg in node.args])
        yield new, f"`{ctx.code(node)}` → `{ctx.code(new)}`"


# =========================================================================== wrong: generic

_BINARY = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Divide, cst.Divide: cst.Multiply,
           cst.Power: cst.Multiply, cst.MatrixMultiply: cst.Multiply}
_AUG = {cst.SubtractAssign: cst.AddAssign, cst.AddAssign: cst.SubtractAssign,
        cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign}
_COMPARE = {cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal, cst.LessThan: cst.GreaterThanEqual,
            cst.GreaterThanEqual: cst.LessThan, cst.GreaterThan: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThan,
            cst.Is: cst.IsNot, cst.IsNot: cst.Is}


def _swap_op(op, table):
    new_type = table[type(op)]
    return new_type(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)


@_op("arith", WRONG, "an arithmetic operator swapped (+ ↔ -, * ↔ /, ** → *, @ → *)")
def arith(node, ctx):
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _BINARY:
        binary = node.with_changes(operator=_swap_op(node.operator, _BINARY))
        yield binary, f"`{ctx.code(node)}` → `{ctx.code(binary)}`"
    elif isinstance(node, cst.AugAssign) and type(node.operator) in _AUG:
        augmented = node.with_changes(operator=_swap_op(node.operator, _AUG))
        yield augmented, f"`{ctx.code(node)}` → `{ctx.code(augmented)}`"


@_op("constant", WRONG, "a constant changed (n → n + 1, a device name → another)")
def constant(node, ctx):
    if isinstance(node, cst.Integer):
        k = int(node.value, 0)
        yield cst.Integer(str(k + 1)), f"{k} → {k + 1}"
    elif isinstance(node, cst.Float):
        x = float(node.value)
        yield cst.Float(repr(x * 2 if x else 1.0)), f"{node.value} → {x * 2 if x else 1.0!r}"
    elif isinstance(node, cst.SimpleString):
        text = node.evaluated_value
        other = {"cuda": "cpu", "mps": "cpu", "cpu": "cuda"}.get(text) if isinstance(text, str) else None
        if other and isinstance(text, str):
            yield cst.SimpleString(f'"{other}"'), f'"{text}" → "{other}"'


@_op("compare", WRONG, "a comparison flipped (== ↔ !=, < ↔ >= …)")
def compare(node, ctx):
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        target = node.comparisons[0]
        if type(target.operator) in _COMPARE:
            new = node.with_changes(comparisons=[target.with_changes(operator=_swap_op(target.operator, _COMPARE))])
            yield new, f"`{ctx.code(node)}` → `{ctx.code(new)}`"


@_op("negate_cond", WRONG, "a condition negated (`if c` → `if not c`)")
def negate_cond(node, ctx):
    if isinstance(node, (cst.If, cst.IfExp)):
        test = node.test
        new = node.with_changes(test=_expr(f"not {_atom(ctx, test)}"))
        yield new, f"`{_first_line(ctx, test)}` negated"


# =========================================================================== right answers

@_op("grad_none", RIGHT, "`x.grad.zero_()` → `x.grad = None` (both reset the gradient)")
def grad_none(node, ctx):
    call = node.value if isinstance(node, cst.Expr) else None
    if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "zero_"
            and isinstance(call.func.value, cst.Attribute) and call.func.value.attr.value == "grad"):
        holder = ctx.code(call.func.value)
        yield _small_statement(f"{holder} = None"), f"`{holder}.zero_()` → `{holder} = None`"


@_op("operator_form", RIGHT, "`torch.matmul(a, b)` → `a @ b` (and add → +, mul → *)")
def operator_form(node, ctx):
    if not isinstance(node, cst.Call):
        return
    symbol = {"torch.matmul": "@", "torch.add": "+", "torch.mul": "*"}.get(dotted(node.func) or "")
    if symbol and len(node.args) == 2 and len(_positional(node)) == 2:
        a, b = (_atom(ctx, arg.value) for arg in node.args)
        yield _expr(f"{a} {symbol} {b}"), f"`{ctx.code(node)}` → `{a} {symbol} {b}`"


@_op("mse_functional", RIGHT,
     "a hand-written mean of squares → `torch.nn.functional.mse_loss`; `MSELoss()` → the function")
def mse_functional(node, ctx):
    if not isinstance(node, cst.Call):
        return
    mean_of = isinstance(node.func, cst.Attribute) and _method(node) == "mean" and not node.args
    inner = node.func.value if isinstance(node.func, cst.Attribute) and mean_of else None
    if (isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Power)
            and ctx.code(inner.right) == "2" and isinstance(inner.left, cst.BinaryOperation)
            and isinstance(inner.left.operator, cst.Subtract)):
        a, b = ctx.code(inner.left.left), ctx.code(inner.left.right)
        yield _expr(f"torch.nn.functional.mse_loss({a}, {b})"), f"`{ctx.code(node)}` → `mse_loss({a}, {b})`"
    if (dotted(node.func) or "").endswith("nn.MSELoss") and not node.args:
        yield _expr("torch.nn.functional.mse_loss"), "`torch.nn.MSELoss()` → `torch.nn.functional.mse_loss`"


@_op("as_tensor", RIGHT, "`torch.from_numpy(a)` → `torch.as_tensor(a)` (shares memory too)")
def as_tensor(node, ctx):
    if isinstance(node, cst.Call) and dotted(node.func) == "torch.from_numpy":
        yield node.with_changes(func=_expr("torch.as_tensor")), "`torch.from_numpy` → `torch.as_tensor`"


@_op("zero_grad_after_step", RIGHT, "`optimizer.zero_grad()` moved from before backward() to after step()")
def zero_grad_after_step(node, ctx):
    stmts = list(_block_statements(node, ctx))
    steps = [i for i, s in stmts if _method_statement(s, "step")]
    backs = [i for i, s in stmts if _method_statement(s, "backward")]
    for z, s in stmts:
        if _method_statement(s, "zero_grad") and backs and steps and z < backs[0] < steps[-1]:
            yield _move(node, z, steps[-1] + 1), f"`{_first_line(ctx, s)}` after step()"


@_op("item_float", RIGHT, "`x.item()` → `float(x)`")
def item_float(node, ctx):
    if _method(node) == "item" and not node.args:
        yield _expr(f"float({ctx.code(node.func.value)})"), f"`{ctx.code(node)}` → `float(…)`"


@_op("inplace_method", RIGHT, "`w -= e` → `w.sub_(e)`")
def inplace_method(node, ctx):
    if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.SubtractAssign):
        new = cst.Expr(_expr(f"{ctx.code(node.target)}.sub_({ctx.code(node.value)})"))
        yield new, f"`{ctx.code(node).strip()}` → `{ctx.code(new).strip()}`"


@_op("contiguous_view", RIGHT, "`.reshape(…)` → `.contiguous().view(…)`")
def contiguous_view(node, ctx):
    if _method(node) == "reshape":
        args = ctx.code(node).split(".reshape(", 1)[1]
        yield _expr(f"{_atom(ctx, node.func.value)}.contiguous().view({args}"), "`.reshape` → `.contiguous().view`"
