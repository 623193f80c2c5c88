from crm.docs import DOCS, PAGES


def test_generated_reference_pages_are_current():
    for name, render in PAGES.items():
        committed = (DOCS / name).read_text() if (DOCS / name).is_file() else ""
        assert committed == render(), f"docs/{name} is stale: run `python -m crm.docs` and commit the result"
