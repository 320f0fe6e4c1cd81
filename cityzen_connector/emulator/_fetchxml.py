"""FetchXML, read safely into a small model: the subset of "Use FetchXml to query data",
"Filter rows", "Join tables", "Order rows", "Page results" and "Aggregate data using FetchXml"
(Microsoft Learn, https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/
overview) the emulator answers. Whatever else the FetchXml reference names is refused with a
400 naming it; an element it does not name is Dataverse's invalid-node error.

The text comes from a URL: it is capped, a DOCTYPE or any other ``<!`` declaration is refused
before parsing (no entity can be declared, so none can expand; expat resolves no external
one), and the tree's depth is checked before anything walks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from cityzen_connector.emulator import _error_catalogue as err

# A GET URL holds at most 32,768 characters ("Compose HTTP requests and handle errors").
MAX_FETCH_LENGTH = 32_768
MAX_DEPTH = 40
MAX_LINKS = 15  # "Join tables using FetchXml": more answers 0x8004430D
MAX_CONDITIONS = 500  # as the $filter compiler (_sql.MAX_CONDITIONS)
SUPPORTED_OPERATORS = frozenset(
    {"eq", "ne", "lt", "le", "gt", "ge", "like", "not-like", "in", "null", "not-null"}
    | {"begins-with", "ends-with", "on-or-after", "on-or-before"}
)
# Every operator of "condition operator values" (FetchXml reference): the others are refused as
# not emulated; a name outside this list is Dataverse's "Unsupported condition operator."
_OTHER_OPERATORS = (
    "above between contain-values eq-businessid eq-or-above eq-or-under eq-userid "
    "eq-userlanguage eq-useroruserhierarchy eq-useroruserhierarchyandteams eq-useroruserteams "
    "eq-userteams in-fiscal-period in-fiscal-period-and-year in-fiscal-year "
    "in-or-after-fiscal-period-and-year in-or-before-fiscal-period-and-year last-fiscal-period "
    "last-fiscal-year last-month last-seven-days last-week last-x-days last-x-fiscal-periods "
    "last-x-fiscal-years last-x-hours last-x-months last-x-weeks last-x-years last-year "
    "ne-businessid ne-userid neq next-fiscal-period next-fiscal-year next-month "
    "next-seven-days next-week next-x-days next-x-fiscal-periods next-x-fiscal-years "
    "next-x-hours next-x-months next-x-weeks next-x-years next-year not-begin-with "
    "not-between not-contain-values not-end-with not-in not-under olderthan-x-days "
    "olderthan-x-hours olderthan-x-minutes olderthan-x-months olderthan-x-weeks "
    "olderthan-x-years on this-fiscal-period this-fiscal-year this-month this-week this-year "
    "today tomorrow under yesterday"
)
DOCUMENTED_OPERATORS = SUPPORTED_OPERATORS | frozenset(_OTHER_OPERATORS.split())
AGGREGATES = frozenset({"count", "countcolumn", "sum", "avg", "min", "max"})
# Attributes per element: answered, and accepted without effect on the rows (legacy settings,
# UI-only names, performance hints). Any other is refused, named.
_ATTRIBUTES = {
    "fetch": {"top", "count", "page", "paging-cookie", "aggregate", "distinct", "aggregatelimit"},
    "entity": {"name"},
    "link-entity": {"name", "from", "to", "alias", "link-type"},
    "attribute": {"name", "alias", "aggregate", "groupby", "distinct"},
    "order": {"attribute", "alias", "descending", "entityname"},
    "filter": {"type"},
    "condition": {"attribute", "operator", "value"},
    "value": set(),
    "all-attributes": set(),
}
_WITHOUT_EFFECT = {
    "fetch": {"version", "output-format", "mapping", "no-lock"},
    "link-entity": {"visible", "intersect"},
    "condition": {"uiname", "uitype", "uihidden"},
    "filter": {"hint"},
}
_CHILDREN = {
    "fetch": {"entity"},
    "entity": {"attribute", "all-attributes", "order", "filter", "link-entity"},
    "link-entity": {"attribute", "all-attributes", "order", "filter", "link-entity"},
    "filter": {"condition", "filter"},
    "condition": {"value"},
}
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_LINK_TYPES_DOCUMENTED = {"natural", "in", "exists", "matchfirstrowusingcrossapply"}
_LINK_TYPES_DOCUMENTED |= {"any", "not any", "all", "not all"}


@dataclass(frozen=True)
class Attribute:
    name: str
    alias: str | None
    aggregate: str | None
    groupby: bool
    distinct: bool


@dataclass(frozen=True)
class Order:
    attribute: str | None
    alias: str | None
    descending: bool
    entityname: str | None


@dataclass(frozen=True)
class Condition:
    attribute: str
    operator: str
    value: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Filter:
    type: str  # "and" | "or"
    conditions: tuple[Condition, ...]
    filters: tuple[Filter, ...]


@dataclass(frozen=True)
class Node:
    """An ``entity`` or a ``link-entity``: what it selects, orders, filters and joins."""

    name: str
    attributes: tuple[Attribute, ...]
    all_attributes: bool
    orders: tuple[Order, ...]
    filters: tuple[Filter, ...]
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Link:
    node: Node
    from_: str
    to: str
    link_type: str  # "inner" | "outer"
    alias: str


@dataclass(frozen=True)
class Fetch:
    entity: Node
    top: int | None
    count: int | None
    page: int | None
    paging_cookie: str | None
    aggregate: bool
    distinct: bool
    aggregate_limit: int | None


def parse_xml(text: str, what: str = "fetchXml") -> ET.Element:
    """A small XML document from a request, without declarations, depth checked."""
    if len(text) > MAX_FETCH_LENGTH:
        raise err.query_error(f"The {what} value exceeds {MAX_FETCH_LENGTH} characters.")
    if re.search(r"<!(?!--)", text):
        raise err.bad_request(f"The {what} value may not hold a DOCTYPE or any <! declaration.")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no declaration can reach the parser
    except ET.ParseError as exc:
        raise err.bad_request(f"The {what} value is not well-formed XML: {exc}.") from None
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise err.query_error(f"The {what} value is nested more than {MAX_DEPTH} deep.")
        stack.extend((child, depth + 1) for child in element)
    return root


def parse_fetch(text: str) -> Fetch:
    root = parse_xml(text)
    _check(root)
    if root.tag != "fetch":
        raise err.query_builder("invalid_node", f"Element: {root.tag}.")
    entities = root.findall("entity")
    if len(entities) != 1:
        raise err.query_builder("element_missing", "The fetch element needs one entity element.")
    get = root.attrib.get
    fetch = Fetch(
        entity=_node(entities[0]),
        top=_positive(get("top"), "top"),
        count=_positive(get("count"), "count"),
        page=_positive(get("page"), "page"),
        paging_cookie=get("paging-cookie"),
        aggregate=_flag(get("aggregate"), "aggregate"),
        distinct=_flag(get("distinct"), "distinct"),
        aggregate_limit=_positive(get("aggregatelimit"), "aggregatelimit"),
    )
    links = sum(1 for e in root.iter("link-entity"))
    if links > MAX_LINKS:
        raise err.query_builder("too_many_links")
    if sum(1 for e in root.iter("condition")) > MAX_CONDITIONS:
        raise err.query_error(f"The fetchXml value has more than {MAX_CONDITIONS} conditions.")
    return fetch


def _check(root: ET.Element) -> None:
    """Every element and attribute is one the emulator answers or one without effect."""
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str) or tag not in _ATTRIBUTES:
            raise err.query_builder("invalid_node", f"Element: {tag}.")
        for name in element.attrib:
            if name not in _ATTRIBUTES[tag] and name not in _WITHOUT_EFFECT.get(tag, set()):
                raise err.fetch_not_emulated(f"attribute '{name}' of the {tag} element")
        for child in element:
            if not isinstance(child.tag, str) or child.tag not in _CHILDREN.get(tag, set()):
                if tag == "filter" and child.tag == "link-entity":
                    raise err.fetch_not_emulated("link-entity element inside a filter")
                raise err.query_builder("invalid_node", f"Element: {child.tag}.")


def _node(element: ET.Element) -> Node:
    attributes, orders, filters, links = [], [], [], []
    for child in element:
        if child.tag == "attribute":
            attributes.append(_attribute(child))
        elif child.tag == "order":
            descending = _flag(child.get("descending"), "descending")
            orders.append(
                Order(
                    child.get("attribute"), child.get("alias"), descending, child.get("entityname")
                )
            )
        elif child.tag == "filter":
            filters.append(_filter(child))
        elif child.tag == "link-entity":
            links.append(_link(child))
    return Node(
        name=_required(element, "name"),
        attributes=tuple(attributes),
        all_attributes=element.find("all-attributes") is not None,
        orders=tuple(orders),
        filters=tuple(filters),
        links=tuple(links),
    )


def _attribute(element: ET.Element) -> Attribute:
    aggregate = element.get("aggregate")
    if aggregate is not None and aggregate not in AGGREGATES:
        raise err.query_builder("invalid_aggregate", f"Aggregate: {aggregate}.")
    return Attribute(
        name=_required(element, "name"),
        alias=element.get("alias"),
        aggregate=aggregate,
        groupby=_flag(element.get("groupby"), "groupby"),
        distinct=_flag(element.get("distinct"), "distinct"),
    )


def _filter(element: ET.Element) -> Filter:
    kind = element.get("type", "and")
    if kind not in ("and", "or"):
        raise err.query_builder("filter_type")
    conditions = []
    for child in element.findall("condition"):
        operator = _required(child, "operator")
        if operator not in DOCUMENTED_OPERATORS:
            raise err.query_builder("operator", f"Operator: {operator}.")
        if operator not in SUPPORTED_OPERATORS:
            raise err.fetch_not_emulated(f"condition operator '{operator}'")
        values = tuple((v.text or "") for v in child.findall("value"))
        conditions.append(
            Condition(_required(child, "attribute"), operator, child.get("value"), values)
        )
    nested = tuple(_filter(child) for child in element.findall("filter"))
    return Filter(kind, tuple(conditions), nested)


def _link(element: ET.Element) -> Link:
    kind = element.get("link-type", "inner")
    if kind in _LINK_TYPES_DOCUMENTED:
        raise err.fetch_not_emulated(f"link-type '{kind}'")
    if kind not in ("inner", "outer"):
        raise err.query_builder("link_type")
    alias = element.get("alias")
    if not alias:
        # Dataverse makes up an alias for the columns' names; how is not documented.
        raise err.fetch_not_emulated("link-entity element without an alias")
    return Link(_node(element), _required(element, "from"), _required(element, "to"), kind, alias)


def _required(element: ET.Element, name: str) -> str:
    value = element.get(name)
    if not value:
        raise err.query_builder("attribute_missing", f"The {element.tag} element needs {name}.")
    return value


def _flag(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    if raw not in _BOOLEANS:
        if name in ("distinct", "descending", "groupby"):
            raise err.query_builder(name)
        if name == "aggregate":
            raise err.query_builder("invalid_aggregate")
        raise err.bad_request(
            f"The only valid values for {name} are 'true', 'false', '1', and '0'."
        )
    return _BOOLEANS[raw]


def _positive(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,9}", raw) or int(raw) == 0:
        raise err.query_builder("not_positive", f"Attribute: {name}.")
    return int(raw)
