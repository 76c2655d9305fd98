"""Section generators, registered by kind on import."""

from . import activity, coverage, results, summary  # noqa: F401  (registration)
from .base import GENERATORS, SectionResult, generate_section

__all__ = ["GENERATORS", "SectionResult", "generate_section"]
