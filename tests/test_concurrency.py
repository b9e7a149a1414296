"""One rule book, many threads: the decisions are exactly those of a single thread, and nothing
reachable from a loaded rule book can be changed.

``RETURNLAW_THREAD_SCENARIOS`` sets the scenarios per thread (default 2,000, with 8 threads).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import random
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

import returnlaw
from returnlaw import api, decision_json, evaluate, load_rulebook, outcome_of, parse_scenario
from returnlaw.facts import FACTS
from returnlaw.readings import BurdenOfProof, Counting, Readings
from returnlaw.ruleschema import FrozenDict
from tests.lawcases import LAW_DIR
from tests.strategies import consistent

THREADS = 8
PER_THREAD = int(os.environ.get("RETURNLAW_THREAD_SCENARIOS", "2000"))
TODAY = dt.date(2030, 1, 1)
FLIPPABLE = sorted(p for p, f in FACTS.items() if not f.derived and f.kind in ("bool", "enum"))


BASE = yaml.safe_load((LAW_DIR / "_base.yaml").read_text(encoding="utf-8"))


def varied(seed: int) -> tuple[returnlaw.Scenario, Readings, dt.date | None]:
    """A valid scenario from the law tests' base, with random facts changed or made unknown."""
    rng = random.Random(seed)
    data = copy.deepcopy(BASE)
    purchase = dt.date(2013, 6, 1) + dt.timedelta(days=rng.randrange(4500))
    signed = purchase + dt.timedelta(days=rng.randrange(5))
    data["purchase"]["date"], data["delivery"]["signed_at"] = purchase, signed
    data["return"] = {"notice_sent_at": signed + dt.timedelta(days=rng.randrange(12))}
    for path in rng.sample(FLIPPABLE, rng.randrange(1, 12)):
        section, name = path.split(".")
        spec = FACTS[path]
        options = [True, False, None] if spec.kind == "bool" else [*spec.values, None]
        data.setdefault(section, {})[name] = rng.choice(options)
    if data["delivery"].get("status") not in (None, "signed"):  # not signed for: no signing date
        data["delivery"].pop("signed_at", None)
    if data["listing"].get("confirmation_form") is not None:  # the form instead of the older flags
        for flag in ("consumer_confirmed", "confirmation_in_checkout_flow", "confirmation_preselected"):
            data["listing"].pop(flag, None)
    readings = Readings(counting=rng.choice(list(Counting)), burden_of_proof=rng.choice(list(BurdenOfProof)))
    as_of = rng.choice([None, None, None, dt.date(2016, 1, 1), dt.date(2023, 1, 1), dt.date(2025, 1, 1)])
    return parse_scenario(consistent(data), today=TODAY), readings, as_of


def decide_all(book: returnlaw.RuleBook, jobs: list[tuple]) -> list[tuple[str, bytes]]:
    return [
        (outcome_of(book, s, as_of=a, readings=r), decision_json(evaluate(book, s, as_of=a, readings=r)))
        for s, r, a in jobs
    ]


@pytest.fixture(scope="module")
def jobs() -> list[tuple]:
    return [varied(seed) for seed in range(THREADS * PER_THREAD)]


def test_many_threads_give_exactly_the_decisions_of_one_thread(jobs):
    expected = decide_all(load_rulebook(), jobs)
    assert len({e[1] for e in expected}) > len(jobs) // 10  # the scenarios really differ
    assert {e[0] for e in expected} >= {"returnable", "not_returnable", "undetermined"}

    shared = load_rulebook()  # a fresh book: its explanation memo fills while the threads race
    start = threading.Barrier(THREADS)

    def work(k: int) -> list[tuple[str, bytes]]:
        start.wait()
        return decide_all(shared, jobs[k::THREADS])

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            slices = list(pool.map(work, range(THREADS)))
    finally:
        sys.setswitchinterval(interval)
    for k, got in enumerate(slices):
        assert got == expected[k::THREADS]


def test_the_default_rule_book_is_loaded_once_when_threads_race_for_it(monkeypatch):
    loads: list[int] = []

    def counting_load() -> returnlaw.RuleBook:
        loads.append(1)
        return load_rulebook()

    monkeypatch.setattr(api, "_default", None)
    monkeypatch.setattr(api, "load_rulebook", counting_load)
    start = threading.Barrier(THREADS)

    def get(_: int) -> returnlaw.RuleBook:
        start.wait()
        return api.default_rulebook()

    with ThreadPoolExecutor(THREADS) as pool:
        books = list(pool.map(get, range(THREADS)))
    assert len(loads) == 1
    assert all(b is books[0] for b in books)


# -- immutability ----------------------------------------------------------------------------------

MUTABLE = (list, dict, set, bytearray)
# The explanation memo is a cache of derived text, not law: entries are written once and read by all.
NOT_LAW = {"explain_memo"}


def reachable(obj: Any, path: str = "book", seen: set[int] | None = None) -> Iterator[tuple[str, Any]]:
    """Every object reachable from the rule book through fields, mappings and tuples."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, str | int | float | dt.date | type(None)) or callable(obj):
        return
    seen.add(id(obj))
    yield path, obj
    if dataclasses.is_dataclass(obj):
        children = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
        children += [(k, v) for k, v in getattr(obj, "__dict__", {}).items() if k not in NOT_LAW]
    elif isinstance(obj, BaseModel):
        children = [(k, getattr(obj, k)) for k in type(obj).model_fields]
    elif isinstance(obj, Mapping):
        children = [(f"[{k!r}]", v) for k, v in obj.items()]
    elif isinstance(obj, tuple | frozenset | list | set):
        children = [(f"[{i}]", v) for i, v in enumerate(obj)]
    else:
        children = []
    for name, child in children:
        yield from reachable(child, f"{path}.{name}", seen)


@pytest.fixture(scope="module")
def book() -> returnlaw.RuleBook:
    return load_rulebook()


def test_nothing_reachable_from_the_rule_book_is_a_mutable_container(book):
    parts = list(reachable(book))
    assert len(parts) > 1000  # the walk reaches rules, conditions, provisions and the vocabulary
    mutable = [p for p, obj in parts if isinstance(obj, MUTABLE) and not isinstance(obj, FrozenDict)]
    assert mutable == []


def test_every_object_in_the_rule_book_refuses_new_attribute_values(book):
    refused = (AttributeError, TypeError, ValidationError)
    for path, obj in reachable(book):
        if dataclasses.is_dataclass(obj):
            name = dataclasses.fields(obj)[0].name
        elif isinstance(obj, BaseModel):
            name = next(iter(type(obj).model_fields))
        else:
            continue
        before = getattr(obj, name)
        with pytest.raises(refused):
            setattr(obj, name, "changed")
        with pytest.raises(refused):
            delattr(obj, name)
        assert getattr(obj, name) is before, path


MAPPING_CHANGES: list[Callable[[Any], object]] = [
    lambda m: m.__setitem__("new", 1),
    lambda m: m.__delitem__(next(iter(m))),
    lambda m: m.clear(),
    lambda m: m.pop(next(iter(m))),
    lambda m: m.popitem(),
    lambda m: m.setdefault("new", 1),
    lambda m: m.update(new=1),
]


@pytest.mark.parametrize(
    "change", MAPPING_CHANGES, ids=["set", "del", "clear", "pop", "popitem", "setdefault", "update"]
)
def test_every_mapping_in_the_rule_book_refuses_changes(book, change):
    mappings = [(p, m) for p, m in reachable(book) if isinstance(m, Mapping) and m]
    paths = {p for p, _ in mappings}
    assert {"book.rules", "book.vocabulary.duties", "book.vocabulary.variables.['scope'].values"} <= paths
    for path, mapping in mappings:
        before = dict(mapping)
        with pytest.raises((TypeError, AttributeError)):
            change(mapping)
        assert dict(mapping) == before, path


def test_in_place_or_on_the_vocabulary_is_refused(book):
    duties = book.vocabulary.duties
    with pytest.raises(TypeError):
        duties |= {"new": None}
    assert "new" not in book.vocabulary.duties


def test_a_copy_of_the_vocabulary_is_equal_and_still_frozen(book):
    clone = copy.deepcopy(book.vocabulary)
    assert clone == book.vocabulary
    with pytest.raises(TypeError):
        clone.duties["new"] = None  # type: ignore[index]


def test_decisions_are_unchanged_after_every_mutation_attempt(book, jobs):
    sample = jobs[:200]
    before = decide_all(book, sample)
    test_every_object_in_the_rule_book_refuses_new_attribute_values(book)
    for change in MAPPING_CHANGES:
        test_every_mapping_in_the_rule_book_refuses_changes(book, change)
    assert decide_all(book, sample) == before
