"""The sampling algorithm as plain functions: reproducible, uniform in shape, documented."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagements import sampling

populations = st.lists(st.integers(min_value=1, max_value=2**62), unique=True, max_size=300).map(sorted)
seeds = st.text(min_size=1, max_size=40)


@given(populations, seeds, st.data())
def test_same_population_and_seed_draw_the_same_sample(members, seed, data):
    size = data.draw(st.integers(min_value=0, max_value=len(members)))
    first = sampling.draw(members, seed=seed, size=size)
    assert first == sampling.draw(list(members), seed=seed, size=size)
    assert len(first) == size and len(set(first)) == size and set(first) <= set(members)
    # The input order does not matter: each member's rank depends on the seed and itself only.
    assert first == sampling.draw(list(reversed(members)), seed=seed, size=size)
    # A bigger sample from the same seed extends the smaller one.
    if size < len(members):
        assert sampling.draw(members, seed=seed, size=size + 1)[:size] == first


@given(populations, seeds)
def test_the_draw_is_the_documented_few_lines(members, seed):
    size = len(members) // 2
    by_hand = sorted(members, key=lambda m: hashlib.sha256(f"{seed}:{m}".encode()).digest())[:size]
    assert sampling.draw(members, seed=seed, size=size) == by_hand


@given(populations)
def test_population_hash_is_over_the_newline_joined_ids(members):
    expected = hashlib.sha256("\n".join(map(str, members)).encode()).hexdigest()
    assert sampling.population_sha256(members) == expected


def test_a_sample_larger_than_its_population_is_refused():
    with pytest.raises(ValueError):
        sampling.draw([1, 2, 3], seed="s", size=4)


def test_frequency_table_is_capped_by_the_population():
    assert sampling.size_for("daily", 1000) == 20 and sampling.size_for("multiple_daily", 7) == 7
    assert sampling.size_for("annual", 1) == 1
