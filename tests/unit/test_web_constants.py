"""Codes the web app repeats from the Python side, kept equal (the web cannot import them)."""

from __future__ import annotations

import re
from pathlib import Path

from contracts.actions import RIGHT_PARTY_RESULTS

ACTION_DRAFT = Path(__file__).parents[2] / "web" / "src" / "features" / "actionDraft.ts"


def test_the_web_s_right_party_results_are_the_contracts():
    """The action form says a number reported wrong is used again after one of these results."""
    source = ACTION_DRAFT.read_text(encoding="utf-8")
    declared = re.search(r"RIGHT_PARTY_RESULTS[^=]*= new Set\(\[(?P<codes>[^\]]*)\]\)", source)
    assert declared is not None, f"RIGHT_PARTY_RESULTS is no longer declared as a Set in {ACTION_DRAFT}"
    assert set(re.findall(r'"([A-Z_]+)"', declared["codes"])) == RIGHT_PARTY_RESULTS
