"""Generate the values table of the chart README from the `## @param` comments of values.yaml.

values.yaml carries `## @section <title>` headings and one `## @param <key> <description>`
line per key. The tables replace what stands between the two markers in README.md. The run
fails when a key has no @param line or a @param names a key that does not exist.
With --check nothing is written: it fails when the README is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "erp-system"
START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"


def leaves(node: Any, prefix: str = "") -> list[str]:
    """Dotted keys of every value that is not a non-empty mapping."""
    if isinstance(node, dict) and node:
        out = []
        for key, value in node.items():
            out += leaves(value, f"{prefix}{key}.")
        return out
    return [prefix.rstrip(".")]


def lookup(values: dict, dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def render_default(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else f'"{value}"'
    return f"`{text}`".replace("|", "\\|")


def build(values_file: Path) -> str:
    text = values_file.read_text()
    values = yaml.safe_load(text)
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    documented: set[str] = set()
    errors = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("## @section "):
            sections.append((stripped.removeprefix("## @section ").strip(), []))
        elif stripped.startswith("## @param "):
            key, _, description = stripped.removeprefix("## @param ").partition(" ")
            if not sections:
                errors.append(f"@param {key} comes before any @section")
                continue
            documented.add(key)
            sections[-1][1].append((key, description.strip()))
    for key in leaves(values):
        # A documented map (labels, selectors) covers the keys inside it.
        if not any(key == d or key.startswith(f"{d}.") for d in documented):
            errors.append(f"{key} has no `## @param` line")
    lines = []
    for title, params in sections:
        if not params:
            continue
        lines += [f"### {title}", "", "| Name | Description | Default |", "| --- | --- | --- |"]
        for key, description in params:
            try:
                default = render_default(lookup(values, key))
            except KeyError:
                errors.append(f"@param {key} names no key of values.yaml")
                continue
            cell = description.replace("|", "\\|")
            lines.append(f"| `{key}` | {cell} | {default} |")
        lines.append("")
    if errors:
        sys.exit("values.yaml comments are incomplete:\n  " + "\n  ".join(errors))
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when README.md is stale")
    args = parser.parse_args()
    readme = CHART / "README.md"
    current = readme.read_text()
    head, _, rest = current.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or END not in rest:
        sys.exit(f"{readme} needs the markers {START} and {END}")
    fresh = f"{head}{START}\n{build(CHART / 'values.yaml')}{END}{tail}"
    if args.check:
        if fresh != current:
            print(f"{readme} is out of date: run `make chart-readme`", file=sys.stderr)
            return 1
        print(f"{readme.name}: values table is up to date")
        return 0
    readme.write_text(fresh)
    print(f"wrote the values table of {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
