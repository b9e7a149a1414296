"""returnlaw: the PRC seven-day no-reason return law (七日无理由退货) as declarative rules.

>>> import returnlaw
>>> decision = returnlaw.decide({"purchase": {"date": "2024-08-01", "channel": "online"}})
>>> decision.outcome
'undetermined'
"""

from .api import decide, decide_compact_json, decide_json, decide_json_bytes, default_rulebook, evaluate_scenario
from .audit import ListingAudit, ProductListing, audit_listing
from .decision import SCHEMA_VERSION, Decision, decision_json
from .evaluator import OUTCOMES, Evaluation, evaluate, outcome_of
from .inputs import InputError, parse_scenario, read_scenario_file
from .loader import RuleFileError, load_rulebook
from .periods import CalendarCoverageError, Counting, Unpublished
from .readings import BurdenOfProof, Readings
from .rulebook import RuleBook
from .scenario import Scenario
from .timeline import Timeline, TimelineAudit, audit_timeline

__version__ = "0.1.0"
__all__ = [
    "OUTCOMES",
    "SCHEMA_VERSION",
    "BurdenOfProof",
    "CalendarCoverageError",
    "Counting",
    "Decision",
    "Evaluation",
    "InputError",
    "ListingAudit",
    "ProductListing",
    "Readings",
    "RuleBook",
    "RuleFileError",
    "Scenario",
    "Timeline",
    "TimelineAudit",
    "Unpublished",
    "audit_listing",
    "audit_timeline",
    "decide",
    "decide_compact_json",
    "decide_json",
    "decide_json_bytes",
    "decision_json",
    "default_rulebook",
    "evaluate",
    "evaluate_scenario",
    "load_rulebook",
    "outcome_of",
    "parse_scenario",
    "read_scenario_file",
]
