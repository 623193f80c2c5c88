"""The JSON Schemas in docs/contracts are what the models say now."""

from pathlib import Path

from contracts.schemas import DOCS_DIR, export_schemas

REGENERATE = "run `.venv/bin/python -m contracts.schemas` and commit docs/contracts"


def test_committed_json_schemas_are_current(tmp_path: Path):
    fresh = {path.name: path.read_text() for path in export_schemas(tmp_path)}
    committed = {path.name: path.read_text() for path in DOCS_DIR.iterdir()}
    stale = sorted(name for name, text in fresh.items() if committed.get(name) != text)
    assert not stale, f"docs/contracts is stale ({', '.join(stale)}): {REGENERATE}"
    stray = sorted(set(committed) - set(fresh))
    assert not stray, f"docs/contracts has files no contract produces ({', '.join(stray)}): delete them"


def test_every_topic_and_body_has_a_schema_in_the_index(tmp_path: Path):
    names = {path.name for path in export_schemas(tmp_path)}
    assert {"bank.loans.schema.json", "payments.schema.json", "config.agents.schema.json"} <= names
    assert {"api.LoanPublic.schema.json", "api.ActionCreate.schema.json", "dlq.schema.json"} <= names
    index = (tmp_path / "README.md").read_text()
    assert all(f"[{name}]({name})" in index for name in names - {"README.md"})
    assert index.endswith("\n") and (tmp_path / "bank.loans.schema.json").read_text().endswith("}\n")
