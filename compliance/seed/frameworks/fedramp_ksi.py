"""FedRAMP 20x Key Security Indicators (public domain), from FedRAMP's machine-readable documentation.

FRMR.documentation.json (gzipped beside this package) holds 60 indicators in 11 themes.
Themes become groups, indicators controls; each indicator's SP 800-53 controls become
mappings to the built-in NIST framework. An indicator whose statement varies by impact
level keeps the MODERATE statement as its description and the LOW one as a parameter.
"""

import gzip
import json
from functools import lru_cache
from pathlib import Path

from ..outline import ControlSpec

DATA = Path(__file__).resolve().parent.parent / "data" / "FRMR.documentation.json.gz"
CODE = "fedramp_20x_ksi"


@lru_cache(maxsize=2)
def _read(path):
    return json.loads(gzip.decompress(path.read_bytes()))


def document():
    """The shipped FRMR document (read once per process; DATA is looked up at call time)."""
    return _read(DATA)


def indicators():
    """[(theme, indicator id, indicator dict)] in document order."""
    return [
        (theme, ksi_id, indicator)
        for theme in document()["KSI"].values()
        for ksi_id, indicator in theme["indicators"].items()
    ]


def _statement(indicator):
    if indicator.get("statement"):
        return indicator["statement"], []
    levels = indicator.get("varies_by_level") or {}
    statement = (levels.get("moderate") or levels.get("low") or {}).get("statement", "")
    params = [
        {"id": f"statement-{level}", "label": f"Statement at {level.title()}", "values": [value["statement"]]}
        for level, value in sorted(levels.items())
        if value.get("statement")
    ]
    return statement, params


def load():
    """(framework fields, [ControlSpec], {ref_id: {description, parameters}})."""
    info = document()["info"]
    fields = {
        "code": CODE,
        "name": "FedRAMP 20x Key Security Indicators",
        "version": info["version"][:50],
        "issuer": "FedRAMP",
        "description": f"{info['title']} (last updated {info['last_updated']}): the Key Security Indicators, "
        "grouped by theme, with the NIST SP 800-53 controls each relies on as mappings.",
    }
    specs, extras = [], {}
    for theme in document()["KSI"].values():
        specs.append(ControlSpec(theme["id"], theme["name"], None, True, len(specs) + 1))
        extras[theme["id"]] = {"description": theme.get("theme", "")}
        for ksi_id, indicator in theme["indicators"].items():
            specs.append(ControlSpec(ksi_id, indicator["name"], theme["id"], False, len(specs) + 1))
            statement, params = _statement(indicator)
            extras[ksi_id] = {"description": statement, "parameters": params}
    return fields, specs, extras


def control_references():
    """[(indicator id, 800-53 control id)] as FRMR lists them."""
    pairs = [(ksi_id, control) for _, ksi_id, indicator in indicators() for control in indicator.get("controls", [])]
    return list(dict.fromkeys(pairs))


def validation_cycles():
    """The persistent-validation rules (FRR.PVA) as {rule id: statement} for the docs and the summary."""
    rules = {}
    for group in document()["FRR"]["PVA"]["data"]["20x"].values():
        for rule_id, rule in group.items():
            rules[rule_id] = rule.get("statement") or {
                level: value.get("statement", "") for level, value in (rule.get("varies_by_level") or {}).items()
            }
    return rules
