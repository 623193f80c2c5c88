"""Reference pages generated from the code.

``python -m crm.docs`` rewrites them; a test keeps them current.
"""

from __future__ import annotations

from pathlib import Path

from crm.settings import REPO_ROOT, Settings
from topics import ALL_TOPICS

DOCS = REPO_ROOT / "docs"


def topics_page() -> str:
    lines = [
        "# Topics",
        "",
        "Generated from `topics/registry.py` by `python -m crm.docs`; do not edit by hand.",
        "`crm init` creates every topic below (behind `CRM_NAMESPACE` when set). Partitions `default`",
        "means `CRM_TOPIC_PARTITIONS` (6 unless set). Retention `forever` keeps every message so a replay",
        "from offset zero rebuilds everything.",
        "",
        "The contract column links the value's JSON Schema ([contracts/](contracts/README.md)); every",
        "`.dlq` value follows [dlq.schema.json](contracts/dlq.schema.json). *Read by* lists the processors",
        "(`processors/registry.py`), each linked to its page, which also says what it writes.",
        "",
        "| topic | kind | key | partitions | cleanup | retention | contract | read by | what it carries |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for spec in ALL_TOPICS:
        retention = "forever" if spec.retention_ms < 0 else f"{spec.retention_ms // 86_400_000} days"
        lines.append(
            f"| `{spec.name}` | {spec.kind} | `{spec.key_field}` | {spec.partitions or 'default'} "
            f"| {'compact' if spec.compacted else 'delete'} | {retention} | {_contract_link(spec.name)} "
            f"| {_readers(spec.name)} | {spec.description} |"
        )
    return "\n".join(lines) + "\n"


def _contract_link(topic: str) -> str:
    name = "dlq" if topic.endswith(".dlq") else topic
    schema = DOCS / "contracts" / f"{name}.schema.json"
    return f"[schema](contracts/{schema.name})" if schema.is_file() else "—"


def _readers(topic: str) -> str:
    from processors.registry import INPUTS

    readers = [f"[{name}](processors/{name}.md)" for name, topics in INPUTS.items() if topic in topics]
    return ", ".join(readers) or "—"


def configuration_page() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `crm/settings.py` by `python -m crm.docs`; do not edit by hand.",
        "Every setting is an environment variable with the `CRM_` prefix; every default works against the",
        "local stack that `crm stack up` starts.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = "(computed)" if field.default_factory else f"`{field.default}`"
        if field.default is None:
            default = "(unset)"
        elif field.default == "":
            default = "(empty)"
        lines.append(f"| `CRM_{name.upper()}` | {default} | {field.description or ''} |")
    return "\n".join(lines) + "\n"


PAGES = {"topics.md": topics_page, "configuration.md": configuration_page}


def write_pages(directory: Path = DOCS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in PAGES.items():
        path = directory / name
        path.write_text(render())
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_pages():
        print(path)
