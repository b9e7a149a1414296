"""Load rule files, validate everything, and compile them into a :class:`RuleBook`.

Every error names the file, the rule id and the reason: YAML syntax (with line), an unknown field,
fact, operator, variable or vocabulary code, a citation to a provision the instrument does not
contain, a rule outside its instrument's in-force dates, a dangling or cyclic exception, and two
rules at the same level that can both apply with different conclusions (a conflict).
Only ``yaml.safe_load`` is used: tags that would construct objects are refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import graphlib
import stat
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .compiled import compile_epochs
from .conditions import Compiled, ConditionError, Context, compile_condition, compile_days, jointly_impossible
from .echo import one_line
from .facts import FACTS, as_member
from .files import FileError, kind_of, read_bounded
from .grounds import GROUNDS_FILE, GroundsError, ground_specs, grounds_from, load_grounds
from .inputs import InputError, check_shape
from .readings import READING_NAMES, choice_values
from .rulebook import (
    Citation,
    Deadline,
    Effect,
    Epoch,
    Note,
    Obligation,
    Presume,
    Rule,
    RuleBook,
    SetVariable,
    Step,
    Warning,
    freeze,
    frozen_map,
)
from .ruleschema import RuleFile, RuleSpec, Vocabulary
from .tables import CATEGORIES_FILE, TABLE_FILES, TableError, derivation_specs, expand, load_tables, tables_from

VOCABULARY_FILE = "vocabulary.yaml"
ENGINE_VARIABLES = ("outcome",)  # computed by the evaluator, never set by a rule
MAX_RULE_FILE_BYTES = 8_000_000  # the largest bundled file is under 40 KB
MAX_RULE_FILE_VALUES = 1_000_000  # counted through YAML aliases: a 900-byte alias bomb is refused at once
MAX_RULE_FILE_DEPTH = 100


class RuleFileError(ValueError):
    """A problem in a rule file; the message starts with the file and, where known, the rule."""

    def __init__(self, file: str, message: str, rule: str | None = None) -> None:
        where = f"{file}: rule {rule}" if rule else file
        super().__init__(one_line(f"{where}: {message}"))  # a 900 KB key never comes back whole
        self.file, self.rule = file, rule


def rules_dir() -> Path:
    """The bundled rule files: inside the installed package, or ``rules/`` of a checkout."""
    packaged = Path(str(resources.files("returnlaw"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


class _StrictSafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's parser where installed: loading is ~5x faster), refusing a key
    given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """A rule file's data: a regular file (a FIFO, a directory or a broken link is refused without
    waiting on it), at most MAX_RULE_FILE_BYTES, its values counted through aliases."""
    try:
        raw = read_bounded(path, MAX_RULE_FILE_BYTES, regular_only=True, name=path.name)
    except FileError as err:
        raise RuleFileError(path.name, err.reason) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RuleFileError(path.name, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    data = _parse_yaml(text, path)
    try:
        check_shape(
            data,
            "the file",
            max_depth=MAX_RULE_FILE_DEPTH,
            max_nodes=MAX_RULE_FILE_VALUES,
            usual="a rule file has a few thousand (are YAML aliases multiplying them?)",
        )
    except InputError as err:
        raise RuleFileError(path.name, str(err).removeprefix("the file ")) from None
    return data


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # a SafeLoader: constructs no objects
    except RecursionError:
        raise RuleFileError(path.name, "nested too deeply") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = str(err.problem or err)
        if "nesting depth" in problem:  # libyaml's limit; the pure-Python parser recurses instead
            problem = "nested too deeply"
        raise RuleFileError(path.name, f"{line}{problem}") from None
    except yaml.YAMLError as err:
        raise RuleFileError(path.name, f"invalid YAML: {err}") from None


def load_rulebook(directory: Path | str | None = None) -> RuleBook:
    folder = Path(directory) if directory is not None else rules_dir()
    _check_folder(folder)
    vocabulary = _load_vocabulary(folder)
    tables = {VOCABULARY_FILE, GROUNDS_FILE, *TABLE_FILES}
    files = sorted(p for p in folder.glob("*.yaml") if p.name not in tables)
    if not files:
        raise RuleFileError(str(folder), "no rule files (*.yaml) found")
    parsed = [(p.name, _parse_file(p)) for p in files]
    return _Compiler(vocabulary, parsed, str(folder), folder).build()


def _check_folder(folder: Path) -> None:
    """The rule directory itself: named in the error, not blamed on vocabulary.yaml."""
    try:
        mode = folder.stat().st_mode
    except OSError as err:
        raise RuleFileError(str(folder), f"cannot read the rule folder: {err.strerror or err}") from None
    if not stat.S_ISDIR(mode):
        raise RuleFileError(str(folder), f"is {kind_of(mode)}, not a folder of rule files")


def _load_vocabulary(folder: Path) -> Vocabulary:
    path = folder / VOCABULARY_FILE
    if not path.exists() and not path.is_symlink():
        raise RuleFileError(VOCABULARY_FILE, f"missing in {folder}")
    try:
        return Vocabulary.model_validate(read_yaml(path))
    except ValidationError as err:
        raise RuleFileError(VOCABULARY_FILE, _first_error(err)) from None


def compile_rulebook(documents: Mapping[str, Any], source: str = "<in memory>") -> RuleBook:
    """A rule book from rule files already read (``{file name: data}``, ``vocabulary.yaml``
    among them), validated exactly as :func:`load_rulebook` validates files: for tools that
    derive rule books in memory (``returnlaw rules mutate``)."""
    if VOCABULARY_FILE not in documents:
        raise RuleFileError(VOCABULARY_FILE, f"missing in {source}")
    try:
        vocabulary = Vocabulary.model_validate(documents[VOCABULARY_FILE])
    except ValidationError as err:
        raise RuleFileError(VOCABULARY_FILE, _first_error(err)) from None
    tables = {VOCABULARY_FILE, GROUNDS_FILE, *TABLE_FILES}
    rule_files = sorted((n, d) for n, d in documents.items() if n not in tables)
    parsed = [(name, _validate_file(name, data)) for name, data in rule_files]
    compiler = _Compiler(
        vocabulary, parsed, source, table_data=documents.get(CATEGORIES_FILE), grounds_data=documents.get(GROUNDS_FILE)
    )
    return compiler.build()


def _parse_file(path: Path) -> RuleFile:
    return _validate_file(path.name, read_yaml(path))


def _validate_file(name: str, data: Any) -> RuleFile:
    if not isinstance(data, dict):
        raise RuleFileError(name, "expected a mapping with instrument, provisions and rules")
    try:
        return RuleFile.model_validate(data)
    except ValidationError as err:
        loc = err.errors()[0]["loc"]
        rule = _rule_id_at(data, loc)
        raise RuleFileError(name, _first_error(err), rule) from None


def _rule_id_at(data: dict, loc: tuple) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") or []
        if loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            return str(rules[loc[1]].get("id", f"#{loc[1] + 1}"))
    return None


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg += _did_you_mean(str(first["loc"][-1]), _RULE_FIELDS if "rules" in first["loc"] else ())
    return f"{loc}: {msg}{more}"


_RULE_FIELDS = tuple(f.alias or n for n, f in RuleSpec.model_fields.items())


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Compiler:
    def __init__(
        self,
        vocabulary: Vocabulary,
        files: list[tuple[str, RuleFile]],
        source: str,
        folder: Path | None = None,
        table_data: Any = None,
        grounds_data: Any = None,
    ) -> None:
        self.table_data = table_data  # the categories table already read (in memory), else from folder
        self.grounds_data = grounds_data  # the issues table already read (in memory), else from folder
        self.vocab = vocabulary
        self.files = files
        self.source = source
        self.folder = folder
        self.tables: dict[str, Any] = {}
        self.context = Context(
            variables={name: frozenset(v.values) for name, v in vocabulary.variables.items()},
            readings={n: _reading_values(n) for n in READING_NAMES},
        )
        self.instruments: dict[str, Any] = {}
        self.provisions: dict[str, Citation] = {}

    def build(self) -> RuleBook:
        self._collect_provisions()
        try:
            if self.table_data is not None:
                self.tables = tables_from(self.table_data, self.provisions)
            elif self.folder is not None:
                self.tables = load_tables(self.folder, read_yaml, self.provisions)
        except TableError as err:
            raise RuleFileError(CATEGORIES_FILE, str(err)) from None
        specs = [(name, spec) for name, f in self.files for spec in f.rules]
        # The category's derivations come first: planned before every other presumption, a fact
        # the goods settle is never presumed otherwise.
        derived = self._generated(CATEGORIES_FILE, derivation_specs(self.tables), "derived")
        rules = {**derived, **self._compile_rules(specs)}
        rules.update(self._issues(rules))
        rules = self._resolve_exceptions(rules)
        self._check_conflicts(rules)
        order = self._group_order(rules)
        epochs = _epochs(rules, order)
        compile_epochs(epochs)
        return RuleBook(
            instruments=frozen_map(self.instruments),
            provisions=frozen_map(self.provisions),
            rules=frozen_map(rules),
            vocabulary=self.vocab,
            epochs=epochs,
            source=self.source,
            tables=freeze(self.tables),  # type: ignore[arg-type]  # read-only all the way down
        )

    def _issues(self, rules: dict[str, Rule]) -> dict[str, Rule]:
        """The rules the issues table stands for (returnlaw.grounds)."""
        try:
            if self.grounds_data is not None:
                table = grounds_from(self.grounds_data, self.provisions)
            elif self.folder is not None:
                table = load_grounds(self.folder, read_yaml, self.provisions)
            else:
                table = None
            specs = [] if table is None else ground_specs(table, rules)
        except GroundsError as err:
            raise RuleFileError(GROUNDS_FILE, str(err)) from None
        generated = self._generated(GROUNDS_FILE, specs, "not_in_issue")
        clash = sorted(set(generated) & set(rules))
        if clash:
            raise RuleFileError(GROUNDS_FILE, f"generated rule id {clash[0]} is already taken by a rule file")
        return generated

    def _generated(self, file: str, specs: list[dict[str, Any]], kind: str) -> dict[str, Rule]:
        """Compile rules a table stands for; their presumptions carry the table's kind."""
        try:
            parsed = [(file, RuleSpec.model_validate(spec)) for spec in specs]
        except ValidationError as err:
            raise RuleFileError(file, _first_error(err)) from None
        rules = self._compile_rules(parsed)
        return {
            i: replace(r, effect=replace(r.effect, kind=kind)) if isinstance(r.effect, Presume) else r
            for i, r in rules.items()
        }

    # -- instruments and provisions -------------------------------------------------------
    def _collect_provisions(self) -> None:
        for name, f in self.files:
            inst = f.instrument
            if inst.id in self.instruments:
                raise RuleFileError(name, f"instrument {inst.id!r} is defined in two files")
            self.instruments[inst.id] = inst
            for prov in f.provisions:
                if not prov.ref.startswith(inst.id + " "):
                    raise RuleFileError(name, f"provision {prov.ref!r} does not belong to instrument {inst.id!r}")
                if prov.ref in self.provisions:
                    raise RuleFileError(name, f"provision {prov.ref!r} is listed twice")
                self.provisions[prov.ref] = Citation(prov.ref, inst, prov)

    # -- rules -------------------------------------------------------------------------------
    def _compile_rules(self, specs: list[tuple[str, RuleSpec]]) -> dict[str, Rule]:
        rules: dict[str, Rule] = {}
        for file, spec in specs:
            if spec.id in rules:
                raise RuleFileError(file, f"duplicate rule id (also in {rules[spec.id].file})", spec.id)
            try:
                rules[spec.id] = self._compile_rule(file, spec)
            except (ConditionError, TableError, ValueError) as err:
                if isinstance(err, RuleFileError):
                    raise
                raise RuleFileError(file, str(err), spec.id) from None
        return rules

    def _compile_rule(self, file: str, spec: RuleSpec) -> Rule:
        citations = tuple(self._citation(ref) for ref in spec.cite)
        start, end = self._in_force(spec, citations[0])
        when = expand(spec.when, self.tables)  # a table lookup becomes plain fact comparisons
        condition = compile_condition(when, self.context)
        effect = self._effect(spec.then)
        if isinstance(effect, Presume) and condition.variables:
            raise ValueError("a presumption may read facts and readings only, not legal variables")
        if isinstance(effect, SetVariable) and "outcome" in condition.variables:
            raise ValueError("a rule that settles a legal variable may not read the outcome")
        group = "" if effect is None else _group_of(effect)
        return Rule(
            spec.id,
            file,
            citations,
            spec.title_zh,
            spec.title_en,
            spec.labels,
            spec.exception_to,
            start,
            end,
            condition,
            effect,
            spec.note_en,
            group,
            freeze(when),
            freeze(spec.then),
        )

    def _citation(self, ref: str) -> Citation:
        if ref in self.provisions:
            return self.provisions[ref]
        inst = ref.split(" ")[0]
        if inst not in self.instruments:
            raise ValueError(f"cites {ref!r}: no instrument {inst!r} (known: {', '.join(sorted(self.instruments))})")
        raise ValueError(f"cites {ref!r}, which is not a provision of {inst} in the rule files")

    @staticmethod
    def _in_force(spec: RuleSpec, primary: Citation) -> tuple[dt.date, dt.date | None]:
        p_start = primary.provision.in_force_from or primary.instrument.in_force_from
        p_end = primary.provision.in_force_to or primary.instrument.in_force_to
        start = spec.in_force.from_ or p_start
        end = spec.in_force.to or p_end
        if start < p_start or (p_end is not None and (end is None or end > p_end)):
            raise ValueError(
                f"in force {start}..{end or 'open'} lies outside {primary.ref}'s in-force dates "
                f"{p_start}..{p_end or 'open'}"
            )
        if end is not None and end <= start:
            raise ValueError(f"in_force.to {end} is not after in_force.from {start}")
        return start, end

    def _effect(self, then: dict | None) -> Effect:
        if then is None:
            return None
        if len(then) != 1:
            raise ValueError(
                f"then: expected exactly one of set, obligation, warning, note, deadline, presume; got {sorted(then)}"
            )
        kind, body = next(iter(then.items()))
        builder = {
            "set": self._set,
            "obligation": self._obligation,
            "warning": self._warning,
            "note": self._note,
            "deadline": self._deadline,
            "presume": self._presume,
        }.get(kind)
        if builder is None:
            raise ValueError(
                f"then: unknown conclusion {kind!r}; expected set, obligation, warning, note, deadline or presume"
            )
        return builder(body)

    def _set(self, body: Any) -> SetVariable:
        if not isinstance(body, dict) or len(body) != 1:
            raise ValueError("then.set: expected one 'variable: value' pair")
        var, value = next(iter(body.items()))
        if var in ENGINE_VARIABLES:
            raise ValueError(f"then.set: {var!r} is computed by the evaluator and cannot be set by a rule")
        if var not in self.vocab.variables:
            raise ValueError(f"then.set: unknown variable {var!r}; known: {sorted(self.vocab.variables)}")
        if value not in self.vocab.variables[var].values:
            raise ValueError(
                f"then.set: {value!r} is not a value of {var} ({', '.join(self.vocab.variables[var].values)})"
            )
        return SetVariable(var, value)

    def _obligation(self, body: Any) -> Obligation:
        if not isinstance(body, dict) or not {"party", "duty"} <= set(body) <= {"party", "duty", "amount"}:
            raise ValueError("then.obligation: expected party, duty and optionally amount")
        if body["party"] not in self.vocab.parties:
            raise ValueError(f"then.obligation.party: unknown party {body['party']!r}")
        if body["duty"] not in self.vocab.duties:
            raise ValueError(f"then.obligation.duty: unknown duty {body['duty']!r}; add it to {VOCABULARY_FILE}")
        amount = body.get("amount")
        if amount is None:
            return Obligation(body["party"], body["duty"], None, None)
        paths = _amount_facts(amount)
        getters = tuple(FACTS[p].get for p in paths)

        def first_known(s: Any) -> object:
            for get in getters:
                value = get(s)
                if value is not None:
                    return value
            return None

        return Obligation(body["party"], body["duty"], paths[0], first_known, paths)

    def _note(self, body: Any) -> Note:
        if body not in self.vocab.notes:
            raise ValueError(f"then.note: unknown note {body!r}; add it to {VOCABULARY_FILE}")
        return Note(body)

    def _warning(self, body: Any) -> Warning:
        if body not in self.vocab.warnings:
            raise ValueError(f"then.warning: unknown warning {body!r}; add it to {VOCABULARY_FILE}")
        return Warning(body)

    def _deadline(self, body: Any) -> Deadline:
        if not isinstance(body, dict) or not {"name", "start", "days"} <= set(body) <= {
            "name",
            "start",
            "days",
            "event",
        }:
            raise ValueError("then.deadline: expected name, start, days and optionally event")
        if body["name"] not in self.vocab.deadlines:
            raise ValueError(f"then.deadline.name: unknown deadline {body['name']!r}")
        for key in ("start", "event"):
            path = body.get(key)
            if path is not None and (path not in FACTS or FACTS[path].kind not in ("date", "moment")):
                raise ValueError(f"then.deadline.{key}: {path!r} is not a date fact")
        days, days_facts = compile_days(body["days"], "then.deadline.days")
        return Deadline(body["name"], body["start"], days, days_facts, body.get("event"))

    def _presume(self, body: Any) -> Presume:
        if not isinstance(body, dict) or not body:
            raise ValueError("then.presume: expected a mapping of fact: value")
        pairs = []
        for path, value in body.items():
            spec = FACTS.get(path)
            if spec is None or spec.derived or spec.kind not in ("bool", "enum"):
                raise ValueError(f"then.presume: {path!r} is not a yes/no or choice fact")
            probe = compile_condition({"fact": path, "eq": value}, self.context, "then.presume")
            del probe  # validates the literal against the fact's values
            pairs.append((path, as_member(path, value)))  # written into scenarios unvalidated
        return Presume(tuple(pairs))

    # -- exceptions ------------------------------------------------------------------------
    def _resolve_exceptions(self, rules: dict[str, Rule]) -> dict[str, Rule]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for rule in rules.values():
            for label in rule.labels:
                by_label[label].append(rule.id)
        resolved: dict[str, Rule] = {}
        for rule in rules.values():
            targets: list[str] = []
            for ref in rule.exception_to:
                if ref.startswith("label:"):
                    found = by_label.get(ref[6:])
                    if not found:
                        raise RuleFileError(rule.file, f"exception_to {ref!r}: no rule carries that label", rule.id)
                    targets += found
                elif ref in rules:
                    targets.append(ref)
                else:
                    hint = _did_you_mean(ref, rules)
                    raise RuleFileError(rule.file, f"exception_to {ref!r}: no such rule{hint}", rule.id)
            if rule.id in targets:
                raise RuleFileError(rule.file, "a rule cannot be an exception to itself", rule.id)
            resolved[rule.id] = replace(rule, exception_to=tuple(dict.fromkeys(targets)))
        _check_cycles(resolved)
        return _assign_defeater_groups(resolved)

    def _check_conflicts(self, rules: dict[str, Rule]) -> None:
        above = _exception_closure(rules)
        setters = [r for r in rules.values() if isinstance(r.effect, SetVariable)]
        for i, a in enumerate(setters):
            for b in setters[i + 1 :]:
                if _can_conflict(a, b, above):
                    raise RuleFileError(
                        a.file,
                        f"conflicts with rule {b.id} ({b.file}): both can apply and set "
                        f"{a.effect.variable} to different values ({a.effect.value} / {b.effect.value}) "  # type: ignore[union-attr]
                        "and neither is an exception to the other",
                        a.id,
                    )

    def _group_order(self, rules: dict[str, Rule]) -> list[str]:
        graph: dict[str, list[str]] = {v: [] for v in self.vocab.variables if v not in ENGINE_VARIABLES}
        for rule in rules.values():
            if rule.group in graph:
                for var in sorted(rule.condition.variables - {rule.group}):
                    if var not in graph[rule.group]:
                        graph[rule.group].append(var)
        try:
            variables = list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as err:
            raise RuleFileError("rules", f"legal variables depend on each other in a cycle: {err.args[1]}") from None
        return ["presumptions", *variables, "effects"]


def _amount_facts(amount: Any) -> tuple[str, ...]:
    """``{fact: f}``, or ``{first_known: [f, g, ...]}``: the first of the facts that is known."""
    paths = None
    if isinstance(amount, dict) and set(amount) == {"fact"}:
        paths = (amount["fact"],)
    elif isinstance(amount, dict) and set(amount) == {"first_known"} and isinstance(amount["first_known"], list):
        paths = tuple(amount["first_known"])
    if not paths or not all(isinstance(p, str) and p in FACTS and FACTS[p].kind == "number" for p in paths):
        raise ValueError("then.obligation.amount: expected {fact: <a number fact>} or {first_known: [<number facts>]}")
    return paths


def _reading_values(name: str) -> frozenset[str] | None:
    values = choice_values(name)
    return None if values is None else frozenset(values)


def _group_of(effect: Effect) -> str:
    if isinstance(effect, SetVariable):
        return effect.variable
    return "presumptions" if isinstance(effect, Presume) else "effects"


def _check_cycles(rules: dict[str, Rule]) -> None:
    graph = {r.id: list(r.exception_to) for r in rules.values()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        cycle = " -> ".join(err.args[1])
        first = rules[err.args[1][0]]
        raise RuleFileError(first.file, f"exception cycle: {cycle}", first.id) from None


def _assign_defeater_groups(rules: dict[str, Rule]) -> dict[str, Rule]:
    """Give pure defeaters the group of their targets (which must share one group)."""
    done = {i: r for i, r in rules.items() if r.group}
    pending = [r for r in rules.values() if not r.group]
    while pending:
        progress = False
        for rule in list(pending):
            if not rule.exception_to:
                raise RuleFileError(rule.file, "a rule without 'then' must be an exception to some rule", rule.id)
            if all(t in done for t in rule.exception_to):
                groups = {done[t].group for t in rule.exception_to}
                if len(groups) > 1:
                    raise RuleFileError(rule.file, f"defeats rules of different kinds {sorted(groups)}", rule.id)
                done[rule.id] = replace(rule, group=groups.pop())
                pending.remove(rule)
                progress = True
        if not progress:  # only defeaters of defeaters in a cycle could stall, and cycles are refused
            raise RuleFileError(pending[0].file, "cannot place this defeater", pending[0].id)
    for rule in done.values():
        for target in rule.exception_to:
            if done[target].group != rule.group:
                raise RuleFileError(
                    rule.file,
                    f"is an exception to {target}, which settles {done[target].group}, but itself settles {rule.group}",
                    rule.id,
                )
    return {i: done[i] for i in rules}


def _exception_closure(rules: dict[str, Rule]) -> dict[str, set[str]]:
    """For each rule, every rule it defeats directly or through a chain of exceptions."""
    closure: dict[str, set[str]] = {}

    def visit(rule_id: str) -> set[str]:
        if rule_id not in closure:
            closure[rule_id] = set()
            for t in rules[rule_id].exception_to:
                closure[rule_id] |= {t} | visit(t)
        return closure[rule_id]

    for rule_id in rules:
        visit(rule_id)
    return closure


def _can_conflict(a: Rule, b: Rule, above: dict[str, set[str]]) -> bool:
    ea, eb = a.effect, b.effect
    assert isinstance(ea, SetVariable) and isinstance(eb, SetVariable)
    if ea.variable != eb.variable or ea.value == eb.value:
        return False
    if b.id in above[a.id] or a.id in above[b.id]:
        return False
    overlap = (a.in_force_to is None or b.in_force_from < a.in_force_to) and (
        b.in_force_to is None or a.in_force_from < b.in_force_to
    )
    return overlap and not jointly_impossible(a.condition, b.condition)


def _epochs(rules: dict[str, Rule], group_order: list[str]) -> tuple[Epoch, ...]:
    cuts = sorted({d for r in rules.values() for d in (r.in_force_from, r.in_force_to) if d is not None})
    bounds: list[tuple[dt.date | None, dt.date | None]] = list(zip([None, *cuts], [*cuts, None], strict=True))
    return tuple(_plan(rules, start, end, group_order) for start, end in bounds)


def _plan(rules: dict[str, Rule], start: dt.date | None, end: dt.date | None, group_order: list[str]) -> Epoch:
    probe = start or dt.date.min
    live = [r for r in rules.values() if r.in_force(probe)]
    ordered: list[Rule] = []
    groups: list[tuple[str, int, int]] = []
    for group in group_order:
        members = {r.id: r for r in live if r.group == group}
        # exceptions come before the rules they defeat; file order breaks ties for a stable plan
        # lists, not sets: the plan (and so the trace's order) must not depend on string hashing
        graph = {rid: _defeaters_of(rid, members) for rid in members}
        sorter = graphlib.TopologicalSorter(graph)
        first = len(ordered)
        ordered += [members[rid] for rid in sorter.static_order()]
        if len(ordered) > first:
            groups.append((group, first, len(ordered)))
    position = {r.id: i for i, r in enumerate(ordered)}
    steps = tuple(Step(r, tuple(position[d.id] for d in ordered if r.id in d.exception_to)) for r in ordered)
    return Epoch(start, end, steps, tuple(groups))


def _defeaters_of(rule_id: str, members: dict[str, Rule]) -> list[str]:
    return [d.id for d in members.values() if rule_id in d.exception_to]


__all__ = ["Compiled", "RuleFileError", "compile_rulebook", "load_rulebook", "read_yaml", "rules_dir"]
