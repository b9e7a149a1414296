"""Load the law's own examples (tests/law/*.yaml) as scenarios with expected results."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LAW_DIR = Path(__file__).parent / "law"


@dataclass(frozen=True)
class LawCase:
    file: str
    name: str
    provision: str
    data: dict[str, Any]
    output: dict[str, Any]
    readings: dict[str, str]
    as_of: dt.date | None


def merge(base: dict, change: dict) -> dict:
    """Deep-merge ``change`` into a copy of ``base``; a None value deletes the key (fact unknown)."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def base_scenario(period: dt.date) -> dict:
    base = yaml.safe_load((LAW_DIR / "_base.yaml").read_text(encoding="utf-8"))
    signed = period + dt.timedelta(days=2)
    base["purchase"]["date"] = period
    base["delivery"]["signed_at"] = signed
    base["return"] = {"notice_sent_at": signed + dt.timedelta(days=3)}
    return base


def load_cases() -> list[LawCase]:
    cases = []
    for path in sorted(LAW_DIR.glob("[!_]*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            period = entry["period"]
            data = merge(base_scenario(period), entry.get("input") or {})
            cases.append(
                LawCase(
                    path.name,
                    entry["name"],
                    entry["provision"],
                    data,
                    entry["output"],
                    entry.get("readings") or {},
                    entry.get("as_of"),
                )
            )
    return cases
