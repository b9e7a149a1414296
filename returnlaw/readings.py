"""Named readings: explicit choices where the law is open, each with a documented default.

- ``counting``: how the seven days (and every other period in days) are counted. ``civil_code``
  (default) applies Civil Code Arts 201 and 203: day 1 is the day after signing, and a last day on
  a statutory rest day moves to the next working day. ``calendar_only`` drops the rest-day
  extension; ``platform_168h`` counts 168 hours as platforms do (law.md §5.3, §8 item 6).
- ``unpublished_holidays``: how a period ends under ``civil_code`` when its last day awaits a
  holiday arrangement that is not in the holiday data (law.md §9.8). ``undetermined`` (default):
  an act between the earliest and the latest possible end is undetermined, naming the missing
  arrangement; ``latest_end``: the benefit of the doubt goes to whoever must act within the period;
  ``earliest_end``: only the rest days that are certain extend the period.
- ``burden_of_proof``: who bears the risk when the seller alleges the goods are not intact and the
  condition is not proven. ``seller_asserting_damage`` (default): the seller who asserts damage must
  prove it; ``consumer_claiming_return``: the consumer must show the goods were intact (cases 2, 8).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .periods import Counting, Unpublished


class BurdenOfProof(StrEnum):
    SELLER_ASSERTING_DAMAGE = "seller_asserting_damage"
    CONSUMER_CLAIMING_RETURN = "consumer_claiming_return"


class Readings(BaseModel):
    """The readings a decision was made under; every field has a default and is reported."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counting: Counting = Counting.CIVIL_CODE
    burden_of_proof: BurdenOfProof = BurdenOfProof.SELLER_ASSERTING_DAMAGE
    unpublished_holidays: Unpublished = Unpublished.UNDETERMINED


READING_NAMES = tuple(Readings.model_fields)
DEFAULT_READINGS = Readings()


def parse_reading_assignments(pairs: list[str]) -> Readings:
    """Build readings from ``NAME=VALUE`` strings (CLI ``--reading``), with a precise error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in READING_NAMES:
            raise ValueError(f"--reading {pair!r}: expected NAME=VALUE with NAME one of {', '.join(READING_NAMES)}")
        allowed = [m.value for m in Readings.model_fields[name].annotation]  # type: ignore[union-attr]
        if value not in allowed:
            raise ValueError(f"--reading {name}: {value!r} is not one of {', '.join(allowed)}")
        values[name] = value
    return Readings.model_validate(values)
