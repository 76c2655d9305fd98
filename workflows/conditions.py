"""A small, safe expression language for gate and conditional steps.

    severity in ['high', 'critical'] and score < 80

The expression is parsed with `ast` and walked by our own interpreter over an allowlist
of node types: comparisons, `and`/`or`/`not`, `in`/`not in`, literals (numbers, strings,
booleans, None, and flat lists/tuples of those) and variable names looked up in a plain
dict. Nothing is ever compiled or passed to eval(), so attribute access, calls,
subscripts, `**`, lambdas and comprehensions cannot run: they are rejected by name
before evaluation. Only ConditionError leaves this module.
"""

import ast
import operator

MAX_EXPRESSION_LENGTH = 500
# Deep nesting is legal within 500 characters ("not not not …"); bound it so that our
# recursive walk never comes near Python's recursion limit.
MAX_DEPTH = 60

_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
}
_LITERAL_TYPES = (str, int, float, bool, type(None))


class ConditionError(ValueError):
    """The expression is not allowed, does not parse, or cannot be evaluated."""


def _describe(node):
    return type(node).__name__


class _Validator:
    """Checks a parsed tree against the allowlist; raises ConditionError otherwise."""

    def check(self, node, depth=0):
        if depth > MAX_DEPTH:
            raise ConditionError(f"Expression is nested too deeply (more than {MAX_DEPTH} levels).")
        handler = getattr(self, f"_check_{_describe(node)}", None)
        if handler is None:
            raise ConditionError(f"{_describe(node)} is not allowed in a condition.")
        handler(node, depth + 1)

    def _check_Expression(self, node, depth):
        self.check(node.body, depth)

    def _check_BoolOp(self, node, depth):
        for value in node.values:
            self.check(value, depth)

    def _check_UnaryOp(self, node, depth):
        if isinstance(node.op, ast.Not):
            self.check(node.operand, depth)
        elif isinstance(node.op, ast.USub) and _is_number(node.operand):
            return
        else:
            raise ConditionError(f"Operator {_describe(node.op)} is not allowed in a condition.")

    def _check_Compare(self, node, depth):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ConditionError(f"Comparison {_describe(op)} is not allowed in a condition.")
        self.check(node.left, depth)
        for comparator in node.comparators:
            self.check(comparator, depth)

    def _check_Constant(self, node, depth):
        if not isinstance(node.value, _LITERAL_TYPES):
            raise ConditionError(f"Literal of type {type(node.value).__name__} is not allowed.")

    def _check_Name(self, node, depth):
        if node.id.startswith("_"):
            raise ConditionError(f"Variable names may not start with an underscore: {node.id!r}.")

    def _check_List(self, node, depth):
        for element in node.elts:
            if not (
                (isinstance(element, ast.Constant) and isinstance(element.value, _LITERAL_TYPES))
                or _is_negative_number(element)
            ):
                raise ConditionError("Lists and tuples may contain only literal values.")

    _check_Tuple = _check_List


def _is_number(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _is_negative_number(node):
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand)


def parse_condition(expression):
    """Parse and validate `expression`; return the tree. Raises ConditionError."""
    if not isinstance(expression, str):
        raise ConditionError("A condition must be a string.")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ConditionError(f"A condition may be at most {MAX_EXPRESSION_LENGTH} characters long.")
    if not expression.strip():
        raise ConditionError("A condition may not be empty.")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        message = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ConditionError(f"Invalid expression: {message}.") from None
    _Validator().check(tree)
    return tree


class _Interpreter:
    def __init__(self, variables, strict):
        self.variables = variables
        self.strict = strict

    def run(self, node):
        return getattr(self, f"_eval_{_describe(node)}")(node)

    def _eval_Expression(self, node):
        return self.run(node.body)

    def _eval_BoolOp(self, node):
        # Short-circuits like Python, but always yields a bool.
        want = isinstance(node.op, ast.Or)
        for value in node.values:
            if bool(self.run(value)) is want:
                return want
        return not want

    def _eval_UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            return -node.operand.value
        return not self.run(node.operand)

    def _eval_Compare(self, node):
        left = self.run(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _eval_Constant(self, node):
        return node.value

    def _eval_Name(self, node):
        if node.id in self.variables:
            return self.variables[node.id]
        if self.strict:
            raise ConditionError(f"Unknown variable {node.id!r}.")
        return None

    def _eval_List(self, node):
        return [self.run(element) for element in node.elts]

    _eval_Tuple = _eval_List


def evaluate_condition(expression, variables, *, strict=True):
    """Evaluate `expression` against the `variables` dict; return a bool.

    Raises ConditionError for a disallowed or malformed expression, an unknown variable
    (with strict=False an unknown variable reads as None, like a JSON null), or an
    operation the values do not support (e.g. comparing text with a number).
    """
    tree = parse_condition(expression)
    if not isinstance(variables, dict):
        raise ConditionError("Variables must be a JSON object.")
    try:
        return bool(_Interpreter(variables, strict).run(tree))
    except ConditionError:
        raise
    except (TypeError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ConditionError(f"Cannot evaluate condition: {exc}.") from None
