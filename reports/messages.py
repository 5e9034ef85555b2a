"""Exchanged messages for people: pretty-printed (XML through the bench's hardened parser, JSON), numbered
lines, and validation problems pinned to the line of the element they name.

A problem is placed when it starts with an element path (`/IDBRequete/PatientBeneficiaire/NIR: ...`, the
form the simulators journal; namespace prefixes and `[n]` positions are understood) or, for text shown as
received, names a line (`line 12`). Anything else is listed above the message.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lxml import etree

from simulators.xml import XmlRejected, parse_xml

MAX_PRETTY_BYTES = 4 * 1024 * 1024
_PATH = re.compile(r"^\s*(/[^\s:]*(?::[^\s:/]+)?(?:/[^\s:]*(?::[^\s:/]+)?)*)\s*:")
_STEP = re.compile(r"^(?:[\w.-]+:)?([\w.-]+)(?:\[(\d+)\])?$")
_LINE = re.compile(r"\bline (\d+)\b")


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    format: str  # "xml", "json" or "text"
    lines: tuple[Line, ...]
    unplaced: tuple[str, ...] = ()  # problems that name no line we could find

    @property
    def pinned(self) -> int:
        return sum(1 for line in self.lines if line.problems)


def _pretty_xml(text: str) -> tuple[str, etree._Element] | None:
    try:
        root = parse_xml(text.encode("utf-8"), max_bytes=MAX_PRETTY_BYTES)
    except (XmlRejected, ValueError):
        return None
    for element in root.iter():
        if isinstance(element.tag, str) and element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    pretty = etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")
    return pretty, parse_xml(pretty.encode("utf-8"), max_bytes=MAX_PRETTY_BYTES * 2)


def _steps(path: str) -> list[tuple[str, int | None]]:
    steps = []
    for part in path.strip("/").split("/"):
        match = _STEP.match(part)
        if not match:
            return []
        steps.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return steps


def _position(element: etree._Element) -> int:
    parent = element.getparent()
    if parent is None:
        return 1
    same = [c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == etree.QName(element).localname]
    return same.index(element) + 1


def _find(root: etree._Element, path: str) -> etree._Element | None:
    """The element whose local-name chain ends with the path's steps (the path may start below the root, at
    the SOAP body's child for instance)."""
    steps = _steps(path)
    if not steps:
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        node: etree._Element | None = element
        for name, position in reversed(steps):
            if node is None or etree.QName(node).localname != name or (position and _position(node) != position):
                break
            node = node.getparent()
        else:
            return element
    return None


def render_message(text: str, problems: tuple[str, ...] | list[str] = ()) -> RenderedMessage:
    """Pretty-print `text` and attach each problem to the line it is about."""
    pretty = _pretty_xml(text) if text.lstrip().startswith("<") else None
    fmt, root = "text", None
    shown = text
    if pretty is not None:
        fmt, (shown, root) = "xml", pretty
    elif text.lstrip().startswith(("{", "[")):
        try:
            shown, fmt = json.dumps(json.loads(text), indent=2, ensure_ascii=False), "json"
        except ValueError:
            pass
    rows = shown.split("\n") if shown else []
    placed: dict[int, list[str]] = {}
    unplaced = []
    for problem in problems:
        number = None
        path = _PATH.match(problem)
        if root is not None and path:
            element = _find(root, path.group(1))
            number = element.sourceline if element is not None else None
        elif fmt == "text":
            line = _LINE.search(problem)
            number = int(line.group(1)) if line and 0 < int(line.group(1)) <= len(rows) else None
        if number is None:
            unplaced.append(problem)
        else:
            placed.setdefault(number, []).append(problem)
    lines = tuple(Line(i, row, tuple(placed.get(i, ()))) for i, row in enumerate(rows, start=1))
    return RenderedMessage(fmt, lines, tuple(unplaced))
