"""CSS selection with lxml's results at a fraction of the cost, inside `indexed(root)`.

lxml's CSSSelector turns `.go-teaser-block` into an XPath predicate that libxml2 evaluates
on every element below the starting point; on a golem.de page (1,000 elements) one such
query from the root costs a sixth of parsing the page, and the parsers make dozens. Here
one pass over the document (`DocumentIndex`) numbers the elements in document order and
records which carry the classes the parsers' selectors name. A query with a class starts
from the elements below its starting point that carry its rarest class (a range of
positions) and checks the rest of the selector on their ancestors, and what follows that
class in the selector with XPath below them. The matches, and their document order, are
the ones CSSSelector returns. A selector without a class starts from its last tag's
elements below the starting point (`tag[attribute="value"]` from the root: from the
tag's elements with that value). Everything else goes to CSSSelector itself: a selector
with neither class nor tag, pseudo-classes, sibling combinators, a tree without an index.
tests/test_fast_paths.py compares both on every selector of the parsers, from many
starting elements, on many pages.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import cssselect
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml import etree
from lxml.cssselect import CSSSelector

# XPath's white space (normalize-space, and so CSS class matching): narrower than Python's.
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_TRANSLATOR = cssselect.GenericTranslator()  # the translation lxml's CSSSelector uses
# Every class some compiled selector names: the index records only these.
_LOOKED_UP: set[str] = set()
# Every tag some compiled selector looks up by an attribute value (`meta[name=...]`).
_VALUE_TAGS: set[str] = set()


class DocumentIndex:
    """Where each element of one document stands (document order), and which carry each
    class a selector names; on demand, a tag's elements by an attribute value.

    One pass over the elements: a Python call or two per element, about what one
    CSSSelector class query from the root costs in libxml2. A subtree is a range of
    positions, so "which of these lie below that element" is two bisections.
    """

    __slots__ = (
        "root",
        "classes",
        "positions",
        "by_class",
        "class_at",
        "_ends",
        "_by_tag",
        "_by_value",
    )

    def __init__(self, root: Any) -> None:
        self.root = root
        self.classes = wanted = frozenset(_LOOKED_UP)
        elements = list(root.iter(etree.Element))
        positions = dict(zip(elements, range(len(elements)), strict=True))
        by_class: dict[str, list[Any]] = {}
        class_at: dict[str, list[int]] = {}
        for position, element in enumerate(elements):
            classes = element.get("class")
            if classes:
                # str.split gives every token XPath sees, sometimes split further (at an
                # \xa0, say): a superset, which the compounds' matchers narrow exactly.
                for token in classes.split():
                    if token in wanted:
                        found = by_class.get(token)
                        if found is None:
                            by_class[token] = [element]
                            class_at[token] = [position]
                        else:
                            found.append(element)
                            class_at[token].append(position)
        self.positions = positions
        self.by_class = by_class
        self.class_at = class_at
        self._ends: dict[Any, int] = {}
        self._by_tag: dict[str, list[Any]] = {}
        self._by_value: dict[tuple[str, str], dict[str | None, list[Any]]] = {}

    def end(self, element: Any) -> int:
        """The position of the last element of `element`'s subtree."""
        found = self._ends.get(element)
        if found is None:
            # The subtree ends just before the next element that follows it in document
            # order: its next sibling element, or that of its closest ancestor with one.
            node = element
            while (following := next(node.itersiblings(etree.Element), None)) is None:
                node = node.getparent()
                if node is None:
                    found = len(self.positions) - 1
                    break
            else:
                found = self.positions[following] - 1
            self._ends[element] = found
        return found

    def with_class(self, name: str, start: int, end: int) -> list[Any]:
        """The elements at positions start..end (a subtree) that carry class `name`."""
        at = self.class_at[name]
        return self.by_class[name][bisect_left(at, start) : bisect_right(at, end)]

    def by_value(self, tag: str, attribute: str) -> dict[str | None, list[Any]]:
        """The document's `tag` elements by the value of `attribute` (`meta` by `name`)."""
        key = (tag, attribute)
        found = self._by_value.get(key)
        if found is None:
            if not self._by_tag:  # one scan for all the tags selectors look up by value
                by_tag = self._by_tag = {other: [] for other in _VALUE_TAGS}
                for element in self.root.iter(*by_tag):
                    by_tag[element.tag].append(element)
            tagged = self._by_tag.get(tag)
            if tagged is None:
                tagged = self._by_tag[tag] = list(self.root.iter(tag))
            found = self._by_value[key] = {}
            for element in tagged:
                found.setdefault(element.get(attribute), []).append(element)
        return found

    def in_order(self, elements: Iterable[Any]) -> list[Any]:
        """Elements of this document, each once, in document order."""
        return sorted(set(elements), key=self.positions.__getitem__)


_ACTIVE: ContextVar[DocumentIndex | None] = ContextVar("newsarchive_document_index", default=None)


@contextmanager
def indexed(root: Any) -> Iterator[DocumentIndex]:
    """Answer `Css` queries on `root`'s document from an index while the block runs.

    The index is made for the tree as it is now: nothing in the block may change the tree.
    """
    index = DocumentIndex(root.getroottree().getroot())
    token = _ACTIVE.set(index)
    try:
        yield index
    finally:
        _ACTIVE.reset(token)


class Unsupported(ValueError):
    """A selector this module does not answer itself (CSSSelector does)."""


def _has_class(value: str | None, name: str) -> bool:
    """Whether a class attribute holds `name` as a token, split as XPath splits it."""
    if value is None or name not in value:
        return False
    if value.isascii() and value.isprintable():
        return name in value.split(" ")
    return name in _XML_SPACE.split(value)


class _Compound:
    """One compound selector (`a.go-tag[href]`): all that is said about one element."""

    __slots__ = ("classes", "tag", "equals", "matches", "tests", "matches_tagged")

    def __init__(self, tree: Any) -> None:
        self.classes: list[str] = []
        self.equals: tuple[str, str] | None = None  # an [attribute="value"] test
        tests: list[str] = []
        while not isinstance(tree, Element):
            if isinstance(tree, Class):
                _check_name(tree.class_name)
                self.classes.append(tree.class_name)
                tests.append(f"_has_class(get('class'), {tree.class_name!r})")
            elif isinstance(tree, Hash):
                _check_name(tree.id)
                tests.append(f"get('id') == {tree.id!r}")
            elif isinstance(tree, Attrib):
                tests.append(_attribute_test(tree))
                if tree.operator == "=":
                    self.equals = (tree.attrib, tree.value.value if tree.value else "")
            else:
                raise Unsupported(type(tree).__name__)
            tree = tree.selector
        if tree.namespace is not None:
            raise Unsupported("namespace")
        self.tag: str | None = tree.element  # None for "*"
        if self.tag is not None and not _NAME.fullmatch(self.tag):
            raise Unsupported(f"tag {self.tag!r}")
        # Only elements are ever tested (index lists, ancestors); "*" says so all the same.
        first = f"e.tag == {self.tag!r}" if self.tag else "isinstance(e.tag, str)"
        self.tests = bool(tests)
        source = (
            "def matches(e):\n    get = e.get\n    return "
            + " and ".join([first, *reversed(tests)])
            + "\n"
            # The same tests for an element already known to have the tag (found by tag).
            + "def matches_tagged(e):\n    get = e.get\n    return "
            + " and ".join([*reversed(tests), "True"])
            + "\n"
        )
        namespace: dict[str, Any] = {"_has_class": _has_class}
        exec(compile(source, f"<css compound {self.tag}>", "exec"), namespace)
        self.matches: Callable[[Any], bool] = namespace["matches"]
        self.matches_tagged: Callable[[Any], bool] = namespace["matches_tagged"]


def _check_name(name: str) -> None:
    if not name or any(character.isspace() for character in name):
        raise Unsupported("white space in a class or id")


def _attribute_test(tree: Attrib) -> str:
    """The test cssselect's translator writes for `[name]`, `[name=v]`, `[name*=v]`, ...,
    as a Python expression on `get` (the element's attribute getter)."""
    if tree.namespace is not None:
        raise Unsupported("attribute namespace")
    name, operator = tree.attrib, tree.operator
    value = tree.value.value if tree.value is not None else ""
    if operator == "exists":
        return f"get({name!r}) is not None"
    if operator == "=":
        return f"get({name!r}) == {value!r}"
    if operator in ("*=", "^=", "$=") and not value:
        return "False"  # cssselect: an empty substring matches nothing
    # A missing attribute reads as "", which holds no non-empty value.
    if operator == "*=":
        return f"{value!r} in (get({name!r}) or '')"
    if operator == "^=":
        return f"(get({name!r}) or '').startswith({value!r})"
    if operator == "$=":
        return f"(get({name!r}) or '').endswith({value!r})"
    raise Unsupported(f"attribute operator {operator}")


class _Chain:
    """One selector of a group: compounds left to right, joined by " " or ">"."""

    __slots__ = (
        "compounds",
        "combinators",
        "last",
        "keys",
        "tag_key",
        "value_key",
        "_trees",
        "_suffixes",
    )

    def __init__(self, tree: Any) -> None:
        compounds: list[_Compound] = []
        combinators: list[str] = []
        trees: list[Any] = []
        while isinstance(tree, CombinedSelector):
            if tree.combinator not in (" ", ">"):
                raise Unsupported(f"combinator {tree.combinator!r}")
            compounds.append(_Compound(tree.subselector))
            trees.append(tree.subselector)
            combinators.append(tree.combinator)
            tree = tree.selector
        compounds.append(_Compound(tree))
        trees.append(tree)
        self.compounds = compounds[::-1]
        self.combinators = combinators[::-1]
        self.last = len(self.compounds) - 1
        self._trees = trees[::-1]
        self._suffixes: dict[int, etree.XPath] = {}
        # (position, class) of every class named: a query starts from the rarest.
        self.keys = [(p, name) for p, c in enumerate(self.compounds) for name in c.classes]
        # No class: the last compound's tag is looked up (libxml2 walks the subtree for the
        # tag, the rest of the test runs on those few elements); `tag[attribute="value"]`
        # from the root is looked up by value.
        last = self.compounds[-1]
        self.tag_key: str | None = None
        self.value_key: tuple[str, str, str] | None = None
        if not self.keys:
            if last.tag is None:
                raise Unsupported("no class, nor tag, to look up")
            self.tag_key = last.tag
            if last.equals is not None:
                self.value_key = (last.tag, *last.equals)
                _VALUE_TAGS.add(last.tag)
        _LOOKED_UP.update(name for _, name in self.keys)

    def matches_from(self, element: Any, position: int, scope: Any) -> bool:
        """Whether compounds[:position] match ancestors of `element`, which matches
        compounds[position] and lies at or below `scope`, staying at or below `scope`."""
        if position == 0:
            return True
        if element is scope:  # compounds[:position] would lie above the scope
            return False
        matches = self.compounds[position - 1].matches
        if self.combinators[position - 1] == ">":
            parent = element.getparent()
            return matches(parent) and self.matches_from(parent, position - 1, scope)
        for ancestor in element.iterancestors():
            if matches(ancestor) and self.matches_from(ancestor, position - 1, scope):
                return True
            if ancestor is scope:
                return False
        return False

    def _suffix(self, position: int) -> etree.XPath:
        """XPath of compounds[position + 1:], from an element matching compounds[position]."""
        compiled = self._suffixes.get(position)
        if compiled is None:
            tree = self._trees[position + 1]
            for combinator, right in zip(
                self.combinators[position + 1 :], self._trees[position + 2 :], strict=True
            ):
                tree = CombinedSelector(tree, combinator, right)
            axis = "child::" if self.combinators[position] == ">" else "descendant::"
            path = _TRANSLATOR.selector_to_xpath(cssselect.parser.Selector(tree), prefix=axis)
            compiled = self._suffixes.setdefault(position, etree.XPath(path))
        return compiled

    def select(self, index: DocumentIndex, scope: Any, start: int) -> list[Any] | None:
        """Matches at and below `scope` (at position `start`) in document order, or None
        where CSSSelector is the one to ask."""
        if self.tag_key is not None:
            if self.value_key is not None and start == 0:
                tag, attribute, value = self.value_key
                tagged = index.by_value(tag, attribute).get(value, ())
            else:
                tagged = scope.iter(self.tag_key)  # document order, `scope` itself first
            last = self.compounds[-1]
            if self.last == 0:  # one compound: nothing to check above the element
                if not last.tests:
                    return list(tagged)
                matches = last.matches_tagged
                return [element for element in tagged if matches(element)]
            matches = last.matches_tagged
            return [
                element
                for element in tagged
                if matches(element) and self.matches_from(element, self.last, scope)
            ]
        by_class = index.by_class
        end = index.end(scope) if start else -1
        position, candidates = -1, None
        for key_position, name in self.keys:
            found = by_class.get(name)
            if found is None:
                if name not in index.classes:  # named after the index was made
                    return None
                return []  # a class no element carries: nothing matches
            if start:
                found = index.with_class(name, start, end)
            if candidates is None or len(found) <= len(candidates):
                position, candidates = key_position, found
        assert candidates is not None
        matches = self.compounds[position].matches
        hits = [
            element
            for element in candidates
            if matches(element) and self.matches_from(element, position, scope)
        ]
        if position == self.last or not hits:
            return hits
        suffix = self._suffix(position)  # the rest of the selector, below each hit
        if len(hits) == 1:
            return suffix(hits[0])
        return index.in_order(element for hit in hits for element in suffix(hit))


class Css:
    """A compiled CSS selector: `selector(element)` lists its matches at and below
    `element`, in document order, as lxml's CSSSelector does (and is asked where this
    module cannot answer, or no index of the element's document is active)."""

    __slots__ = ("css", "path", "fallback", "chains")

    def __init__(self, css: str) -> None:
        self.css = css
        self.fallback = CSSSelector(css)
        self.path = self.fallback.path
        self.chains: list[_Chain] | None
        try:
            chains = []
            for selector in cssselect.parse(css):
                if selector.pseudo_element is not None:
                    raise Unsupported("pseudo-element")
                chains.append(_Chain(selector.parsed_tree))
            self.chains = chains
        except Unsupported:
            self.chains = None

    def __repr__(self) -> str:
        return f"Css({self.css!r})"

    def __call__(self, element: Any) -> list[Any]:
        chains = self.chains
        index = _ACTIVE.get() if chains is not None else None
        if index is None or chains is None:
            return self.fallback(element)
        start = index.positions.get(element)
        if start is None:  # not an element of the indexed document
            return self.fallback(element)
        result: list[Any] = []
        for chain in chains:
            found = chain.select(index, element, start)
            if found is None:
                return self.fallback(element)
            if found:
                result = index.in_order([*result, *found]) if result else found
        return result
