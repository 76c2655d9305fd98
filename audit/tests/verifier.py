"""tools/verify_audit.py loaded as a module: the standalone verifier is not a package of ours."""

import importlib.util
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "tools" / "verify_audit.py"
_spec = importlib.util.spec_from_file_location("verify_audit", PATH)
verify_audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify_audit)
