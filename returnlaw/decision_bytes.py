"""The decision JSON from pre-encoded fragments: the explanation's shared parts are encoded once.

Most of a decision is the same from one case to the next: a reason whose rule has no unknown
fact and no exception that beats it is a shared, memoised entry of the rule book
(``decision._reason``: by rule, status and the provisions in force), and so is every cited
provision's text (``decision._citation_data``). Encoding them again on every call was most of the
time ``pydantic_core.to_json`` took (a 38 KB document, mostly Chinese). Here each shared entry is
encoded once, the first time it is met, and kept beside it in the rule book's memo; only the
per-case parts are encoded per call, and the document is assembled from the pieces.

JSON encoding is compositional (an object is ``{`` + ``"key":value`` pieces joined by ``,`` +
``}``; pydantic_core writes no spaces), so the bytes are those of ``pydantic_core.to_json`` of the
whole document, byte for byte (``tests/test_decision_bytes.py`` checks it on generated scenarios,
next to the model's own ``model_dump_json``).
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json

_REASONS, _CITATIONS = "reasons", "citations"


def encode_decision(data: dict[str, Any], memo: dict[Any, Any]) -> bytes:
    """``to_json(data)`` of a decision's data (``decision._decision_data``), its shared reasons and
    citations taken from ``memo`` (the rule book's, which keeps them alive: an entry's ``id`` is
    never reused while it is there)."""
    keys = list(data)
    at = keys.index(_REASONS)
    if keys[at + 1] != _CITATIONS:  # the layout this writer knows is gone: the plain writer
        return to_json(data)
    encoded = memo.get(_ENCODED)
    if encoded is None:
        encoded = memo.setdefault(_ENCODED, {})
    get = encoded.get
    # (the hot loop inline: a hit is one lookup by identity, checked against the entry it holds)
    reasons = b",".join(
        [e[1] if (e := get(id(r))) is not None and e[0] is r else _encode(memo, encoded, r) for r in data[_REASONS]]
    )
    pairs = memo.get(_PAIRS)
    if pairs is None:
        pairs = memo.setdefault(_PAIRS, {})
    citations = b",".join(
        [
            e[1] if (e := pairs.get(ref)) is not None and e[0] is c else _encode_pair(memo, pairs, ref, c)
            for ref, c in data[_CITATIONS].items()
        ]
    )
    head = to_json({k: data[k] for k in keys[:at]})[1:-1]
    tail = to_json({k: data[k] for k in keys[at + 2 :]})[1:-1]
    middle = b'"reasons":[' + reasons + b'],"citations":{' + citations + b"}"
    return b"{" + b",".join(part for part in (head, middle, tail) if part) + b"}"


_ENCODED = ("encoded json by id",)  # the memo's key of {id(entry): (entry, its JSON)}
_PAIRS = ("encoded citations by ref",)  # {ref: (entry, '"ref":{...}')}


def _encode_pair(memo: dict[Any, Any], pairs: dict[str, tuple[Any, bytes]], ref: str, entry: dict[str, Any]) -> bytes:
    out = to_json(ref) + b":" + to_json(entry)
    if _is_shared(memo, entry) and entry["ref"] == ref:
        pairs[ref] = (entry, out)
    return out


def _encode(memo: dict[Any, Any], encoded: dict[int, tuple[Any, bytes]], entry: dict[str, Any]) -> bytes:
    """The entry's JSON, kept when the entry is one of the memo's shared entries."""
    out = to_json(entry)
    if _is_shared(memo, entry):
        encoded[id(entry)] = (entry, out)
    return out


def _is_shared(memo: dict[Any, Any], entry: dict[str, Any]) -> bool:
    """Whether ``entry`` is a memoised reason or citation (a per-call entry is never kept: its id
    could come back for another object once it is freed)."""
    if "rule" in entry and "status" in entry:  # a reason: decision._reason's memo key
        return memo.get(("reason", entry["rule"], entry["status"], tuple(entry["cite"]))) is entry
    if "ref" in entry:  # a citation: decision._citation_data's memo key
        return memo.get(("cite", entry["ref"])) is entry
    return False


__all__ = ["encode_decision"]
