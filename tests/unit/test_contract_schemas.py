from contracts.schemas import DOCS_DIR, render


def test_committed_json_schemas_are_current():
    expected = render()
    for name, text in expected.items():
        path = DOCS_DIR / name
        assert path.is_file() and path.read_text() == text, (
            f"docs/contracts/{name} is stale: run `python -m contracts.schemas` and commit the result"
        )
    stray = {p.name for p in DOCS_DIR.iterdir()} - set(expected)
    assert not stray, f"docs/contracts has files no contract produces: {sorted(stray)}"
