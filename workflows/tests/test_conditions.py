"""The condition evaluator: allowed forms, known escapes, fuzzing, and its time bound."""

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.conditions import MAX_EXPRESSION_LENGTH, ConditionError, evaluate_condition, parse_condition

VARIABLES = {"severity": "high", "score": 72.5, "tags": ["pci", "iam"], "count": 3, "flag": True, "nothing": None}


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("severity in ['high', 'critical'] and score < 80", True),
        ("severity in ['high', 'critical'] and score < 70", False),
        ("severity not in ('low', 'medium')", True),
        ("not flag", False),
        ("count >= 3 or nothing == None", True),
        ("0 < count <= 3", True),
        ("1 < count < 3", False),
        ("'pci' in tags and 'sox' not in tags", True),
        ("score > -1", True),
        ("count in [-1, 3]", True),
        ("severity == 'high' and (score >= 90 or flag)", True),
        ("True", True),
        ("''", False),
    ],
)
def test_allowed_expressions(expression, expected):
    assert evaluate_condition(expression, VARIABLES) is expected


ESCAPES = [
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "9**9**9",
    "2 ** 1000000",
    "(x for x in ()).gi_frame",
    "(x for x in ()).gi_frame.f_back.f_globals",
    "[x for x in (1, 2)]",
    "{x: 1 for x in ()}",
    "lambda: 1",
    "__import__('os').system('true')",
    "open('/etc/passwd')",
    "severity.upper() == 'HIGH'",
    "tags[0] == 'pci'",
    "score + 1 > 2",
    "f'{severity}' == 'high'",
    "(y := 1)",
    "severity if flag else score",
    "{'a': 1}",
    "{1, 2}",
    "[tags]",
    "count is None",
    "__builtins__",
    "_private == 1",
    "b'bytes' == 1",
    "1j == 1",
    "...",
    "-flag",
    "~count",
    "'x' * 10 ** 9",
    "(" * 250 + "1" + ")" * 250,
    "not " * 100 + "flag",
    "a" * (MAX_EXPRESSION_LENGTH + 1),
    "",
    "   ",
    "severity ==",
    "flag\x00",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_escapes_and_bad_syntax_are_rejected(expression):
    with pytest.raises(ConditionError):
        parse_condition(expression)


@pytest.mark.parametrize(
    "expression, variables",
    [
        ("score < 'eighty'", VARIABLES),  # comparing a number with text
        ("count in 3", VARIABLES),  # membership in a non-container
        ("unknown == 1", VARIABLES),  # strict mode: unknown names are errors
        ("flag", ["not", "a", "dict"]),
    ],
)
def test_runtime_errors_are_condition_errors(expression, variables):
    with pytest.raises(ConditionError):
        evaluate_condition(expression, variables)


def test_non_strict_reads_unknown_names_as_null():
    assert evaluate_condition("missing == None", {}, strict=False) is True
    assert evaluate_condition("missing == True", {}, strict=False) is False


def test_non_string_is_rejected():
    with pytest.raises(ConditionError):
        parse_condition(42)


_atoms = st.one_of(
    st.sampled_from(["severity", "score", "tags", "count", "flag", "nothing", "missing", "__class__"]),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=8).map(repr),
    st.sampled_from(["True", "False", "None", "[]", "('a', 1)"]),
)
_ops = st.sampled_from(
    [
        " and ",
        " or ",
        " < ",
        " <= ",
        " == ",
        " != ",
        " in ",
        " not in ",
        " > ",
        " ** ",
        ".",
        "(",
        ")",
        "[",
        "]",
        ",",
        " if ",
        " else ",
        " for ",
        " lambda ",
        " not ",
        ":",
        "*",
        "+",
    ]
)
_tokens = st.lists(st.one_of(_atoms, _ops), max_size=40).map("".join)


def _only_condition_errors(expression):
    try:
        result = evaluate_condition(expression, VARIABLES)
    except ConditionError:
        return
    assert isinstance(result, bool)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tokens)
def test_fuzz_token_soup_only_raises_condition_error(expression):
    _only_condition_errors(expression)


@settings(max_examples=700, deadline=None)
@given(st.text(max_size=MAX_EXPRESSION_LENGTH + 20))
def test_fuzz_arbitrary_text_only_raises_condition_error(expression):
    _only_condition_errors(expression)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.sampled_from(["flag", "count > 1", "severity == 'high'", "score < 80", "'iam' in tags"]),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            inner.map(lambda e: f"not ({e})"),
        ),
        max_leaves=30,
    )
)
def test_fuzz_valid_grammar_always_gives_a_bool(expression):
    if len(expression) <= MAX_EXPRESSION_LENGTH:
        assert isinstance(evaluate_condition(expression, VARIABLES), bool)


@pytest.mark.parametrize(
    "expression",
    [
        " or ".join(["severity in ['high', 'critical', 'x', 'y'] and score < 80"] * 8)[:MAX_EXPRESSION_LENGTH],
        "(" * 90 + "1" + ")" * 90,
        "[" + ", ".join(["'aaaaaaaa'"] * 40) + "] == tags",
        "'" + "a" * 490 + "' in severity",
        "not " * 59 + "flag",
    ],
)
def test_each_evaluation_is_fast(expression):
    # The evaluator's contract is a per-call bound; the best of five runs takes scheduler
    # noise on a shared machine out of the figure.
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        with contextlib.suppress(ConditionError):
            evaluate_condition(expression, VARIABLES)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.05
