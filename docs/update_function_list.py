"""Rewrite the generated list of supported functions in docs/engine.md from the rule registry.

Run:  python docs/update_function_list.py   (tests/engine/test_docs.py checks it is current)
"""

from pathlib import Path

BEGIN = "<!-- BEGIN GENERATED FUNCTION LIST -->"
END = "<!-- END GENERATED FUNCTION LIST -->"
PAGE = Path(__file__).with_name("engine.md")


def function_list() -> str:
    from sciad.engine.registry import supported_functions

    lists = supported_functions()
    lines = [BEGIN, ""]
    for title, names in (("Differentiable", lists["differentiable"]),
                         ("Zero derivative (run on values, return plain arrays)",
                          lists["zero derivative"])):
        lines.append(f"**{title}** ({len(names)}):")
        lines.append("")
        groups: dict[str, list[str]] = {}
        for name in names:
            module, _, short = name.rpartition(".")
            groups.setdefault(module or "builtins", []).append(short)
        for module, shorts in groups.items():
            lines.append(f"- `{module}`: " + ", ".join(f"`{s}`" for s in shorts))
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def updated_page(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + function_list() + text[end:]


if __name__ == "__main__":
    PAGE.write_text(updated_page(PAGE.read_text()))
    print(f"updated {PAGE}")
