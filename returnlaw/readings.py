"""Named readings: explicit choices where the law is open, each with a documented default.

- ``counting``: how the seven days (and every other period in days) are counted. ``civil_code``
  (default) applies Civil Code Arts 201 and 203 (before 2021 the General Principles of the Civil
  Law, Art. 154): day 1 is the day after signing, and a last day on a statutory rest day moves to
  the next working day. ``calendar_only`` drops the rest-day extension; ``platform_168h`` counts 168
  hours as platforms do (law.md §5.3, §8 item 6).
- ``unpublished_holidays``: how a period ends under ``civil_code`` when its last day awaits a
  holiday arrangement that is not in the holiday data (law.md §9.8). ``undetermined`` (default):
  an act between the earliest and the latest possible end is undetermined, naming the missing
  arrangement; ``latest_end``: the benefit of the doubt goes to whoever must act within the period;
  ``earliest_end``: only the rest days that are certain extend the period.
- ``burden_of_proof``: who bears the risk when the seller alleges the goods are not intact and the
  condition is not proven. ``seller_asserting_damage`` (default): the seller who asserts damage must
  prove it (Civil Procedure Law Art. 67; SPC Interpretation Arts 90, 91(2));
  ``consumer_claiming_return``: the consumer must show the goods were intact (cases 2, 8).
- ``short_hold_hours``: a number of hours (default 24). A consumer who sent the goods back within
  it is presumed, from ordinary experience (SPC Evidence Provisions Art. 10(1)(4)), not to have
  worn them, against an allegation of wear the seller has not proven. No provision names a number.
- ``oral_notice_confirmation``: whether a consumer who only carried on buying after an oral notice
  (on a live stream, say) confirmed the exclusion (CPL Art. 25(2)). ``not_confirmation`` (default):
  Art. 25(2) asks the consumer to confirm, Measures Art. 20(2) wants a prominent step (如无确认，
  不得拒绝), and a passive carrying-on is akin to the default-agreed option Regulations Art. 19(2)
  forbids; ``confirmation`` follows the courts that read buying on as acceptance (cases 19, 29).
- ``return_leg_risk``: who bears damage arising after the condition was verified when the goods
  were handed to the seller's carrier for the return. No provision allocates this (law.md §9.3,
  §9.10 item 8). ``seller_after_verified_pickup`` (default) applies the principle of the outbound
  leg (E-Commerce Law Art. 20; Civil Code Arts 604-608) and the reported cases (cases.md §7 item 5);
  ``not_allocated`` leaves such damage to the burden-of-proof reading.
- ``issues``: which facts must be established. ``as_raised`` (default, for disputes): where the
  scenario states the seller's grounds (``dispute.seller_grounds``) or the consumer's claims
  (``dispute.consumer_claims``), a ground or claim nobody raised is not in issue: the facts it turns
  on are presumed absent, each presumption listed with its basis (Civil Procedure Law Art. 67(1);
  SPC Interpretation Arts 90, 91), and a rule it alone would decide is out of issue while its facts
  are unknown (``rules/grounds.yaml``). Where neither list is stated it is the same as ``strict``:
  every fact must be established, for platforms deciding before any dispute.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict

from .periods import Counting, Unpublished


class BurdenOfProof(StrEnum):
    SELLER_ASSERTING_DAMAGE = "seller_asserting_damage"
    CONSUMER_CLAIMING_RETURN = "consumer_claiming_return"


class OralNoticeConfirmation(StrEnum):
    NOT_CONFIRMATION = "not_confirmation"
    CONFIRMATION = "confirmation"


class Issues(StrEnum):
    AS_RAISED = "as_raised"
    STRICT = "strict"


class ReturnLegRisk(StrEnum):
    SELLER_AFTER_VERIFIED_PICKUP = "seller_after_verified_pickup"
    NOT_ALLOCATED = "not_allocated"


Hours = Annotated[int, Strict(), Field(ge=1, le=720)]


class Readings(BaseModel):
    """The readings a decision was made under; every field has a default and is reported."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counting: Counting = Counting.CIVIL_CODE
    burden_of_proof: BurdenOfProof = BurdenOfProof.SELLER_ASSERTING_DAMAGE
    unpublished_holidays: Unpublished = Unpublished.UNDETERMINED
    short_hold_hours: Hours = 24
    oral_notice_confirmation: OralNoticeConfirmation = OralNoticeConfirmation.NOT_CONFIRMATION
    return_leg_risk: ReturnLegRisk = ReturnLegRisk.SELLER_AFTER_VERIFIED_PICKUP
    issues: Issues = Issues.AS_RAISED


READING_NAMES = tuple(Readings.model_fields)
DEFAULT_READINGS = Readings()


def choice_values(name: str) -> tuple[str, ...] | None:
    """The values of a choice reading, or None for a number reading."""
    annotation = Readings.model_fields[name].annotation
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return tuple(m.value for m in annotation)
    return None


def number_bounds(name: str) -> tuple[int, int]:
    """The smallest and largest value of a number reading."""
    meta = Readings.model_fields[name].metadata
    low = next(m.ge for m in meta if getattr(m, "ge", None) is not None)
    high = next(m.le for m in meta if getattr(m, "le", None) is not None)
    return low, high


def parse_reading_assignments(pairs: list[str]) -> Readings:
    """Build readings from ``NAME=VALUE`` strings (CLI ``--reading``), with a precise error."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in READING_NAMES:
            raise ValueError(f"--reading {pair!r}: expected NAME=VALUE with NAME one of {', '.join(READING_NAMES)}")
        values[name] = _reading_value(name, value)
    return Readings.model_validate(values)


def _reading_value(name: str, value: str) -> Any:
    allowed = choice_values(name)
    if allowed is not None:
        if value not in allowed:
            raise ValueError(f"--reading {name}: {value!r} is not one of {', '.join(allowed)}")
        return value
    low, high = number_bounds(name)
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"--reading {name}: {value!r} is not a whole number from {low} to {high}")
    return int(text)
