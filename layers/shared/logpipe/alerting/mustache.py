"""A small mustache renderer that behaves like OpenSearch Alerting's for the templates logpipe writes.

Used to preview what a monitor would publish (``logpipe alerts render --preview``), to build the sample
SNS events, and in tests to prove the message templates render parseable JSON. Supported: ``{{a.b}}``
(JSON string escaping, OpenSearch's default for mustache scripts), sections ``{{#a}}..{{/a}}`` over lists,
maps and truthy values, inverted sections ``{{^a}}..{{/a}}`` and OpenSearch's ``{{#toJson}}a.b{{/toJson}}``.
Lists take an index (``a.0``) and ``a.size`` as in OpenSearch, and like OpenSearch's ``CollectionMap`` an
index past the end is an error (:class:`TemplateError`), not an empty value: a template must never rely on it.
Not a general mustache implementation (no partials, no delimiter changes, no lambdas).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_TAG = re.compile(r"\{\{\s*([#^/]?)\s*([^}]+?)\s*\}\}")


class TemplateError(ValueError):
    """The template is not well formed (unclosed or mismatched section)."""


def _lookup(name: str, stack: Sequence[Any]) -> Any:
    if name == ".":
        return stack[-1]
    head, *rest = name.split(".")
    for scope in reversed(stack):
        if isinstance(scope, Mapping) and head in scope:
            node: Any = scope[head]
            break
    else:
        return None
    for part in rest:
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part == "size":
            node = len(node)
        elif isinstance(node, list) and part.isdigit():
            if int(part) >= len(node):  # OpenSearch: Iterables.get -> IndexOutOfBoundsException, the action fails
                raise TemplateError(f"{name}: index {part} is past the end of a list of {len(node)}")
            node = node[int(part)]
        else:
            return None
    return node


def _escape(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = str(value)
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _parse(template: str) -> list[Any]:
    """Tokens -> a tree of ``str`` / ``("var", name)`` / ``(kind, name, children)``."""
    root: list[Any] = []
    stack: list[tuple[str, str, list[Any]]] = [("root", "", root)]
    pos = 0
    for match in _TAG.finditer(template):
        stack[-1][2].append(template[pos : match.start()])
        pos = match.end()
        sigil, name = match.group(1), match.group(2)
        if sigil in ("#", "^"):
            node: tuple[str, str, list[Any]] = (sigil, name, [])
            stack[-1][2].append(node)
            stack.append(node)
        elif sigil == "/":
            if len(stack) == 1 or stack[-1][1] != name:
                raise TemplateError(f"closing {{{{/{name}}}}} does not match an open section")
            stack.pop()
        else:
            stack[-1][2].append(("var", name))
    if len(stack) > 1:
        raise TemplateError(f"section {{{{#{stack[-1][1]}}}}} is never closed")
    root.append(template[pos:])
    return root


def _render(nodes: list[Any], stack: list[Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "var":
            out.append(_escape(_lookup(node[1], stack)))
        elif node[0] == "#" and node[1] == "toJson":
            path = "".join(part for part in node[2] if isinstance(part, str)).strip()
            out.append(json.dumps(_lookup(path, stack), ensure_ascii=False))
        else:
            value = _lookup(node[1], stack)
            truthy = bool(value) and value != "false"
            if node[0] == "^":
                if not truthy:
                    _render(node[2], stack, out)
            elif isinstance(value, list):
                for item in value:
                    _render(node[2], [*stack, item], out)
            elif truthy:
                _render(node[2], [*stack, value] if isinstance(value, Mapping) else stack, out)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render ``template`` with ``context`` (``{"ctx": {...}}`` for Alerting actions)."""
    out: list[str] = []
    _render(_parse(template), [context], out)
    return "".join(out)
