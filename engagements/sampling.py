"""Populations and samples as plain data: the hash and the draw anyone can redo.

No Django here on purpose: tools/verify_engagement_export.py and docs/evidence.md repeat
these few lines with the standard library only.

- A population's members are ids in ascending order; its SHA-256 is over their decimal
  text joined by "\\n" (no trailing newline), UTF-8.
- A sample of `size` from a population with `seed` is the `size` members with the smallest
  SHA-256 of f"{seed}:{member}", smallest first. Each member's rank depends only on the
  seed and itself, so the draw is the same in any language and on any machine.
"""

import hashlib
import heapq
import secrets

# Sample sizes by control frequency (the commonly used table for tests of operating
# effectiveness over a period of about a year); never more than the population.
FREQUENCY_SIZES = {
    "annual": 1,
    "quarterly": 2,
    "monthly": 2,
    "weekly": 5,
    "daily": 20,
    "multiple_daily": 25,
}


def members_text(members):
    return "\n".join(str(int(member)) for member in members)


def population_sha256(members):
    return hashlib.sha256(members_text(members).encode()).hexdigest()


def new_seed():
    return secrets.token_hex(16)


def rank(seed, member):
    return hashlib.sha256(f"{seed}:{member}".encode()).digest()


def draw(members, *, seed, size):
    """The sample: `size` members of `members` in draw order (see the module docstring)."""
    if size < 0 or size > len(members):
        raise ValueError(f"A sample of {size} cannot be drawn from {len(members)} members.")
    return heapq.nsmallest(size, members, key=lambda member: rank(seed, member))


def size_for(frequency, population_size):
    return min(FREQUENCY_SIZES[frequency], population_size)
