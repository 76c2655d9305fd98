"""Counting what a seed or import run did, for the closing summary line."""

from collections import Counter


class Tally:
    """created / updated / skipped counters per kind of record ("framework", "control" …)."""

    OUTCOMES = ("created", "updated", "skipped")

    def __init__(self):
        self.counts = {outcome: Counter() for outcome in self.OUTCOMES}

    def add(self, outcome, kind, n=1):
        if n:
            self.counts[outcome][kind] += n

    def total(self, outcome):
        return sum(self.counts[outcome].values())

    def summary(self):
        """One line per outcome, e.g. 'created: 612 (control 512, framework 6)'."""
        lines = []
        for outcome in self.OUTCOMES:
            detail = ", ".join(f"{kind} {n}" for kind, n in sorted(self.counts[outcome].items()))
            lines.append(f"{outcome}: {self.total(outcome)}" + (f" ({detail})" if detail else ""))
        return lines
