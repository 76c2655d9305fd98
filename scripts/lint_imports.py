"""Check the import contracts of pyproject.toml with the venv's pinned lint-imports.

import-linter refuses to run when a root package does not exist. `common`, the platform
layer, is configured ahead of the refactor that creates it: until its folder exists it is
left out of root_packages and its layer is made optional (import-linter's "(name)"), with a
notice. Only the packages in NOT_YET_CREATED get that; any other missing root package is a
mistake in the configuration and fails as import-linter says. Once every root package
exists, lint-imports runs on pyproject.toml unchanged.
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
NOT_YET_CREATED = {"common"}  # empty this, and delete the tolerance, once `common` exists


def _toml_value(value):
    # The contracts hold only strings, booleans and lists of strings; JSON spells those as TOML does.
    return json.dumps(value, ensure_ascii=False)


def _without(config, missing):
    """import-linter's configuration as TOML text, the `missing` root packages left out."""
    lines = ["[tool.importlinter]"]
    for key, value in config.items():
        if key == "contracts":
            continue
        if key == "root_packages":
            value = [name for name in value if name not in missing]
        lines.append(f"{key} = {_toml_value(value)}")
    for contract in config.get("contracts", []):
        lines += ["", "[[tool.importlinter.contracts]]"]
        for key, value in contract.items():
            if key == "layers":
                value = [f"({layer})" if layer in missing else layer for layer in value]
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def main():
    os.chdir(ROOT)  # lint-imports finds the packages from the working directory
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    missing = {name for name in config["root_packages"] if not (ROOT / name).is_dir()}
    if not missing or not missing <= NOT_YET_CREATED:
        os.execv(LINT_IMPORTS, [LINT_IMPORTS, *sys.argv[1:]])
    print(
        f"lint-imports: {', '.join(sorted(missing))} does not exist yet; checking the contracts without it.",
        file=sys.stderr,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="importlinter-") as handle:
        handle.write(_without(config, missing))
        handle.flush()
        # Not exec: the temporary file must outlive lint-imports and then be removed.
        return subprocess.call([LINT_IMPORTS, handle.name, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
