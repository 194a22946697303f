"""GeoReport v2's two formats: XML (required by the specification) and JSON (its Spark-convention mapping).

Responses are built as plain data, then written in the format the path asked for (`.xml` or `.json`).
Responses leave out absent values (`present`); lists are wrapped in their plural element in XML, one child per item.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from starlette.responses import Response

XML, JSON = "xml", "json"
FORMATS = (XML, JSON)
MEDIA_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
# The element of one item of each list, by the list's element.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "errors": "error", "endpoints": "endpoint", "formats": "format"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value is None:
            continue
        child = ElementTree.SubElement(element, key)
        if isinstance(value, list):
            for item in value:
                _item(child, ITEMS[key], item)
        else:
            child.text = _text(value)


def _item(parent: ElementTree.Element, tag: str, item: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(item, dict):
        _fill(element, item)
    else:
        element.text = _text(item)


def to_xml(root: str, data: list[Any] | dict[str, Any]) -> bytes:
    """`data` as an XML document: a list under `root` (one item element each), or a dict as `root`'s children."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        for item in data:
            _item(element, ITEMS[root], item)
    else:
        _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8",
                                                                             xml_declaration=False)


def present(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: an absent value is left out of both formats."""
    return {key: value for key, value in fields.items() if value is not None}


def respond(fmt: str, root: str, data: list[Any] | dict[str, Any], status_code: int = 200) -> Response:
    """`data` in format `fmt`, its XML root element `root` (JSON has no root: the list or object itself)."""
    body = to_xml(root, data) if fmt == XML else json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status_code, media_type=MEDIA_TYPES[fmt],
                    headers={"cache-control": "no-store"})


def errors(fmt: str, status_code: int, *descriptions: str) -> Response:
    """The specification's error form: `[{code, description}]`, the code being the HTTP status."""
    return respond(fmt if fmt in FORMATS else JSON, "errors",
                   [{"code": status_code, "description": d} for d in descriptions], status_code)
