"""Skip-logic conditions and constraints, written in checklist files as tiny expressions.

XLSForm uses `relevant` and `constraint` strings; we do the same with a Python-like
syntax that is parsed once at load time and evaluated by walking a whitelisted AST,
so a checklist file can never run arbitrary code:

    when = "reply_language == 'other'"
    when = "'reprisal' in themes"
    constraint = "value <= today"
    constraint = "len(value) >= 2 or comm_type not in ['JAL', 'JUA', 'JOL']"

Names are answers (question ids); an unanswered question reads as None, and any
comparison with None is simply false rather than an error.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any


class ExpressionError(ValueError):
    """The expression uses syntax or names the checklist language does not allow."""


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {"len": len}


class Expression:
    """A compiled condition; `names` lists the answers it reads, for load-time checks."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None
        self._body = tree.body
        self.names: set[str] = set()
        self._check(self._body)

    def _check(self, node: ast.AST) -> None:
        match node:
            case ast.BoolOp() | ast.Compare() | ast.List() | ast.Tuple():
                pass
            case ast.UnaryOp(op=ast.Not()):
                pass
            case ast.Constant(value=value) if isinstance(value, str | int | float | bool) or (
                value is None
            ):
                pass
            case ast.Name(id=name):
                self.names.add(name)
            case ast.Call(func=ast.Name(id=fn), args=[_], keywords=[]) if fn in _FUNCTIONS:
                self._check(node.args[0])
                return
            case ast.Load() | ast.And() | ast.Or() | ast.Not() | ast.cmpop():
                return
            case _:
                raise ExpressionError(
                    f"{self.source!r} uses {type(node).__name__}, which checklists do not allow"
                )
        for child in ast.iter_child_nodes(node):
            self._check(child)

    def evaluate(self, names: Mapping[str, Any]) -> bool:
        """Truth of the expression; errors from mismatched types count as false."""
        try:
            return bool(_eval(self._body, names))
        except (TypeError, ValueError):
            return False


def _eval(node: ast.AST, names: Mapping[str, Any]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            return names.get(name)
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return [_eval(e, names) for e in elts]
        case ast.UnaryOp(operand=operand):
            return not _eval(operand, names)
        case ast.BoolOp(op=ast.And(), values=values):
            return all(_eval(v, names) for v in values)
        case ast.BoolOp(values=values):
            return any(_eval(v, names) for v in values)
        case ast.Call(func=ast.Name(id=fn), args=[arg]):
            value = _eval(arg, names)
            return 0 if value is None else _FUNCTIONS[fn](value)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            return _compare(_eval(left, names), ops, comparators, names)
    raise ExpressionError(f"unexpected node {type(node).__name__}")


def _compare(left: Any, ops: list[ast.cmpop], rights: list[ast.expr], names: Mapping) -> bool:
    for op, right_node in zip(ops, rights, strict=True):
        right = _eval(right_node, names)
        if (left is None or right is None) and type(op) not in (ast.Eq, ast.NotEq):
            return False
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True
