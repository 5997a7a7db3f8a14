"""Generate the bundled sample portfolio in ``seo_workbench/data/sample/``.

Run from the repository root::

    python tools/make_sample.py

The sample is a fictional organisation, Northbridge Utilities Group, a water and energy utility
that plans its change portfolio in EUR over eight quarters (2027Q1..2028Q4). Every name, person
and number is invented. Names, owners, themes, dependencies, groups, comments and status notes
are written by hand below; costs, schedules, resource demand and scores are drawn from a seeded
random generator (``numpy.random.default_rng(2027)``), so the output is byte-for-byte
reproducible. The quarterly budgets are calibrated last (see ``calibrate_budget``). This script
is committed as the provenance of the sample.

After writing the CSV files the script reads them back and checks that the sample is a good
teaching case: ids are consistent across sheets, the portfolio-selection MIP is feasible, the
budget binds in most quarters, at least one resource pool binds, the optimum differs from
"rank by score and fund down the list", and exactly one executive's pairwise judgements are
inconsistent (Saaty CR > 0.10). Any failure raises an AssertionError.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

OUT = Path(__file__).resolve().parents[1] / "seo_workbench" / "data" / "sample"
SEED = 2027

ORGANISATION = "Northbridge Utilities Group"
CURRENCY = "EUR"
PERIODS = ["2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1", "2028Q2", "2028Q3", "2028Q4"]
MIN_PROJECTS, MAX_PROJECTS = 12, 30

# The budget is set in two steps (see calibrate_budget): a first envelope of this share of what
# the full candidate list asks for in each quarter, then the quarterly budgets are trimmed to
# the best portfolio within that envelope, rounded up to EUR 100k. This keeps the sample
# robust to edits: whatever the scores, the budget binds in most quarters.
BUDGET_SHARE = 0.65

# --------------------------------------------------------------------------------------------
# Hand-written organisation
# --------------------------------------------------------------------------------------------

CX, RES, DIG, NZ, EFF = (
    "Customer experience",
    "Operational resilience",
    "Digital foundations",
    "Net zero",
    "Cost efficiency",
)
THEMES = [CX, RES, DIG, NZ, EFF]

WATER, ENERGY, CUSTOMER, DIGITAL, FINANCE, PEOPLE = (
    "Water Networks",
    "Energy Networks",
    "Customer Operations",
    "Digital & Technology",
    "Finance & Procurement",
    "People & Safety",
)

# project_id, name, owner, department, theme, status
PROJECTS = [
    ("P01", "Customer portal replatform", "K. Mehta", DIGITAL, CX, "proposed"),
    ("P02", "Smart meter rollout phase 2", "M. Lindqvist", ENERGY, CX, "in_flight"),
    ("P03", "CRM replacement: SaaS suite", "L. Fischer", CUSTOMER, CX, "proposed"),
    ("P04", "CRM replacement: extend billing platform", "L. Fischer", CUSTOMER, CX, "proposed"),
    ("P05", "CRM replacement: in-house build", "D. Kowalczyk", DIGITAL, CX, "proposed"),
    ("P06", "Priority services register refresh", "P. Mensah", CUSTOMER, CX, "proposed"),
    ("P07", "Contact centre cloud telephony", "H. Duarte", CUSTOMER, CX, "in_flight"),
    ("P08", "Proactive outage notifications", "P. Mensah", CUSTOMER, CX, "proposed"),
    ("P09", "Affordability scheme tooling", "F. Haddad", FINANCE, CX, "proposed"),
    ("P10", "Self-service appointment booking", "H. Duarte", CUSTOMER, CX, "proposed"),
    ("P11", "Greyhollow dam spillway remediation", "A. Okafor", WATER, RES, "proposed"),
    ("P12", "Trunk main replacement programme", "J. Brennan", WATER, RES, "in_flight"),
    ("P13", "Substation flood defences", "R. Castellano", ENERGY, RES, "proposed"),
    ("P14", "Water control room upgrade North", "S. Varga", WATER, RES, "proposed"),
    ("P15", "Water control room upgrade South", "S. Varga", WATER, RES, "proposed"),
    ("P16", "Energy control room upgrade", "T. Nwosu", ENERGY, RES, "proposed"),
    ("P17", "Acoustic leakage detection", "J. Brennan", WATER, RES, "in_flight"),
    ("P18", "Critical spares warehouse", "C. Byrne", FINANCE, RES, "proposed"),
    ("P19", "OT network security hardening", "E. Novak", DIGITAL, RES, "proposed"),
    ("P20", "Lone worker safety devices", "N. Jansen", PEOPLE, RES, "proposed"),
    ("P21", "Data platform modernisation", "K. Mehta", DIGITAL, DIG, "in_flight"),
    ("P22", "ERP upgrade to cloud", "C. Byrne", FINANCE, DIG, "in_flight"),
    ("P23", "Asset data quality programme", "S. Varga", WATER, DIG, "proposed"),
    ("P24", "GIS network model refresh", "T. Nwosu", ENERGY, DIG, "proposed"),
    ("P25", "Identity and access management", "E. Novak", DIGITAL, DIG, "proposed"),
    ("P26", "Mobile workforce app", "G. Oyelaran", PEOPLE, DIG, "proposed"),
    ("P27", "Legacy mainframe exit", "D. Kowalczyk", DIGITAL, DIG, "proposed"),
    ("P28", "Digital twin pilot: Eastmoor treatment works", "A. Okafor", WATER, DIG, "proposed"),
    ("P29", "Integration platform and API gateway", "D. Kowalczyk", DIGITAL, DIG, "proposed"),
    ("P30", "Self-service analytics rollout", "F. Haddad", FINANCE, DIG, "proposed"),
    ("P31", "Fleet electrification wave 1", "C. Byrne", FINANCE, NZ, "in_flight"),
    ("P32", "Fleet electrification wave 2", "C. Byrne", FINANCE, NZ, "proposed"),
    ("P33", "Solar PV at treatment works", "A. Okafor", WATER, NZ, "proposed"),
    ("P34", "Pump efficiency retrofit", "J. Brennan", WATER, NZ, "in_flight"),
    ("P35", "Biogas upgrade at Eastmoor sludge centre", "S. Varga", WATER, NZ, "proposed"),
    ("P36", "Heat pumps for depots and offices", "N. Jansen", PEOPLE, NZ, "proposed"),
    ("P37", "Low-loss transformer replacement", "R. Castellano", ENERGY, NZ, "proposed"),
    ("P38", "Upland peat restoration partnership", "A. Okafor", WATER, NZ, "proposed"),
    ("P39", "Battery storage at Kelbrook substation", "M. Lindqvist", ENERGY, NZ, "proposed"),
    ("P40", "Depot estate consolidation", "G. Oyelaran", PEOPLE, EFF, "proposed"),
    ("P41", "Billing system consolidation", "F. Haddad", FINANCE, EFF, "in_flight"),
    ("P42", "Procurement category savings programme", "C. Byrne", FINANCE, EFF, "proposed"),
    ("P43", "Finance process automation (RPA)", "F. Haddad", FINANCE, EFF, "proposed"),
    ("P44", "Predictive maintenance for pumping stations", "J. Brennan", WATER, EFF, "in_flight"),
    ("P45", "Contact centre workforce optimisation", "H. Duarte", CUSTOMER, EFF, "proposed"),
    ("P46", "Office footprint reduction", "N. Jansen", PEOPLE, EFF, "proposed"),
    ("P47", "On-premise data centre expansion", "E. Novak", DIGITAL, DIG, "proposed"),
    ("P48", "Chemical dosing optimisation", "S. Varga", WATER, EFF, "proposed"),
]

DECISIONS = {
    "P11": ("must", "Safety regulator's 2026 inspection ordered the spillway to be remediated "
                    "before the end of 2028."),
    "P19": ("must", "NIS2 compliance: the regulator requires OT network segmentation and "
                    "monitoring to be in place by mid-2028."),
    "P47": ("must_not", "Board decision of November 2026: cloud-first policy, no new on-premise "
                        "data centre capacity."),
}

# Hand-set spend profiles (EUR per quarter from the first period). The depot estate
# consolidation sells the Millbrook depot in 2028Q2: a cash inflow that frees budget.
FIXED_COSTS = {
    "P40": {"2027Q3": 310_000, "2027Q4": 460_000, "2028Q1": 380_000, "2028Q2": -400_000},
}

# A requires B: fund A only if B is funded.
REQUIRES = [
    ("P08", "P02"),  # outage notifications need smart meter last-gasp alarms
    ("P10", "P01"),  # appointment booking lives in the new portal
    ("P26", "P25"),  # mobile app needs single sign-on
    ("P28", "P21"),  # digital twin feeds off the data platform
    ("P30", "P21"),  # self-service analytics on the data platform
    ("P32", "P31"),  # wave 2 reuses wave 1 charging contracts
    ("P43", "P22"),  # automation targets the cloud ERP, not the old one
]
EXCLUDES = [
    ("P18", "P40"),  # the spares warehouse would occupy the depot that P40 sells
    ("P28", "P48"),  # both pilots need the same Eastmoor works shutdown window
    ("P46", "P36"),  # no point retrofitting offices we are about to exit
]
WITH = [
    ("P33", "P39"),  # one green-investment grant covers both or neither
    ("P29", "P25"),  # API gateway and IAM are one platform release
]
GROUPS = {
    # group: (max_selected, members)
    "CRM platform": (1, ["P03", "P04", "P05"]),
    "Control room upgrades": (2, ["P14", "P15", "P16"]),
}
THEME_RULES = {
    # theme: (min_share, max_share, min_spend, max_spend); None = blank
    CX: (0.10, 0.35, None, None),
    RES: (0.15, 0.40, None, None),
    DIG: (0.10, 0.30, None, 12_000_000),
    NZ: (0.15, 0.35, 8_000_000, None),
    EFF: (0.05, 0.30, None, None),
}
# The strategy's intended share of spend per theme (sheet 'themes', target_share): drift is
# measured against it.
TARGET_SHARE = {CX: 0.20, RES: 0.30, DIG: 0.20, NZ: 0.20, EFF: 0.10}

CRITERIA = [
    # criterion_id, name, objective, weight
    ("strategic_fit", "Strategic fit", "max", 0.25),
    ("financial_return", "Financial return", "max", 0.20),
    ("customer_impact", "Customer impact", "max", 0.15),
    ("risk_reduction", "Risk reduction", "max", 0.20),
    ("delivery_risk", "Delivery risk", "min", 0.10),
    ("change_burden", "Change burden", "min", 0.10),
]
CRITERION_IDS = [c[0] for c in CRITERIA]

# Typical score of a project of each theme (financial_return is derived from benefit/cost).
THEME_SCORE_MEANS = {
    #      strategic_fit, customer_impact, risk_reduction, delivery_risk, change_burden
    CX: (3.4, 4.3, 2.2, 3.1, 3.6),
    RES: (3.3, 2.8, 4.3, 2.8, 2.2),
    DIG: (3.5, 2.4, 3.0, 3.7, 3.4),
    NZ: (3.8, 2.3, 3.7, 2.9, 2.4),
    EFF: (3.0, 2.0, 2.0, 2.6, 3.2),
}
# Scores agreed in the scoring workshop that override the generated ones.
SCORE_OVERRIDES = {
    "P11": {"strategic_fit": 4, "risk_reduction": 5, "customer_impact": 3},
    "P19": {"strategic_fit": 4, "risk_reduction": 5},
    "P47": {"strategic_fit": 1},
    "P01": {"customer_impact": 5, "strategic_fit": 4},
    "P02": {"strategic_fit": 3},
    "P21": {"customer_impact": 2},
    "P44": {"risk_reduction": 3},
}
# Median benefit/cost ratio over the horizon by theme.
THEME_ROI = {CX: 1.0, RES: 0.45, DIG: 0.7, NZ: 0.9, EFF: 2.0}

POOLS = ["Data engineering", "Field operations", "Change management", "Cyber security"]
# Person-days of each pool per EUR 1m of spend, by delivering department.
POOL_INTENSITY = {
    WATER: (20, 160, 20, 5),
    ENERGY: (30, 150, 20, 15),
    CUSTOMER: (60, 10, 120, 10),
    DIGITAL: (140, 0, 40, 50),
    FINANCE: (50, 20, 80, 10),
    PEOPLE: (10, 60, 100, 5),
}
# Capacity = this share of what the full candidate list would need (Data engineering is the
# scarce pool); the third quarter of each year loses some capacity to summer leave.
POOL_SHARE = {"Data engineering": 0.60, "Field operations": 0.85,
              "Change management": 0.85, "Cyber security": 0.90}
SUMMER_FACTOR = 0.9

# --------------------------------------------------------------------------------------------
# Executives' pairwise judgements (AHP). Each executive's matrix is derived from the weights
# they would give the criteria, rounded to the Saaty scale; OVERRIDES are the judgements they
# actually gave where they depart from that (this is what makes the CDO inconsistent).
# --------------------------------------------------------------------------------------------

EXECUTIVE_WEIGHTS = {
    #   strategic_fit, financial_return, customer_impact, risk_reduction, delivery_risk,
    #   change_burden
    "Chief Executive": (0.32, 0.18, 0.18, 0.16, 0.09, 0.07),
    "Chief Financial Officer": (0.16, 0.42, 0.07, 0.13, 0.14, 0.08),
    "Chief Operating Officer": (0.13, 0.09, 0.09, 0.42, 0.17, 0.10),
    "Chief Digital Officer": (0.26, 0.10, 0.38, 0.08, 0.07, 0.11),
}
JUDGEMENT_OVERRIDES = {
    ("Chief Executive", "customer_impact", "risk_reduction"): 2,
    ("Chief Financial Officer", "risk_reduction", "delivery_risk"): 1 / 2,
    ("Chief Operating Officer", "financial_return", "change_burden"): 1 / 2,
    ("Chief Digital Officer", "financial_return", "risk_reduction"): 1 / 5,
    ("Chief Digital Officer", "financial_return", "delivery_risk"): 1 / 4,
    ("Chief Digital Officer", "strategic_fit", "change_burden"): 1 / 3,
    ("Chief Digital Officer", "customer_impact", "risk_reduction"): 1,
}
COMMENTS = {
    ("Chief Executive", "strategic_fit", "financial_return"):
        "We fund the strategy, not the spreadsheet.",
    ("Chief Executive", "strategic_fit", "delivery_risk"):
        "Ambition first; delivery risk is ours to manage.",
    ("Chief Executive", "customer_impact", "change_burden"):
        "Customers notice outcomes, not our change fatigue.",
    ("Chief Executive", "financial_return", "risk_reduction"):
        "Balanced: a safe network is also a profitable one.",
    ("Chief Executive", "financial_return", "change_burden"):
        "Investors expect returns from this cycle.",
    ("Chief Financial Officer", "strategic_fit", "financial_return"):
        "Strategy that does not pay back is a hobby.",
    ("Chief Financial Officer", "financial_return", "customer_impact"):
        "The price review caps bills; only efficiency funds the rest.",
    ("Chief Financial Officer", "financial_return", "risk_reduction"):
        "Risk spend must still show a business case.",
    ("Chief Financial Officer", "customer_impact", "delivery_risk"):
        "Overruns hit the balance sheet before any customer benefit.",
    ("Chief Financial Officer", "strategic_fit", "change_burden"):
        "Slightly more important; change cost is in the budget anyway.",
    ("Chief Operating Officer", "strategic_fit", "risk_reduction"):
        "A strategy means nothing if the network fails.",
    ("Chief Operating Officer", "financial_return", "risk_reduction"):
        "Regulator fines dwarf any return.",
    ("Chief Operating Officer", "risk_reduction", "change_burden"):
        "Crews will cope with change; nobody copes with a burst trunk main.",
    ("Chief Operating Officer", "risk_reduction", "delivery_risk"):
        "Reducing risk matters more than how hard it is to do.",
    ("Chief Operating Officer", "customer_impact", "delivery_risk"):
        "Field teams are stretched; failed delivery hurts customers too.",
    ("Chief Operating Officer", "financial_return", "change_burden"):
        "Crews cannot absorb another system change this year.",
    ("Chief Digital Officer", "strategic_fit", "customer_impact"):
        "Customer experience is the strategy.",
    ("Chief Digital Officer", "financial_return", "customer_impact"):
        "Digital payback shows up in retention, not in year one.",
    ("Chief Digital Officer", "financial_return", "risk_reduction"):
        "A security incident would sink the whole digital agenda.",
    ("Chief Digital Officer", "financial_return", "delivery_risk"):
        "Returns are guesses; a failed go-live is certain pain.",
    ("Chief Digital Officer", "strategic_fit", "change_burden"):
        "Adoption is everything: unused systems deliver nothing.",
}
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}

# Execution status of in-flight projects in the three quarters before the plan:
# project_id: (rag, note) for 2026Q2, 2026Q3, 2026Q4, and whether benefits are already flowing.
STATUS = {
    "P02": ((("green", "Installer framework signed."), ("green", ""),
             ("amber", "Meter supply delayed by 6 weeks; installer crews re-planned.")), True),
    "P07": ((("green", ""), ("green", ""),
             ("green", "Two of three contact centres migrated.")), False),
    "P12": ((("green", "Ashcombe Road section mobilised."),
             ("amber", "Ground conditions on the Ashcombe Road section worse than surveyed."),
             ("red", "Contingency exhausted: the Ashcombe Road section needs a redesign.")),
            True),
    "P17": ((("green", ""), ("green", ""), ("green", "")), True),
    "P21": ((("green", "Vendor selected for the migration tooling."),
             ("amber", "Key data engineers moved to the ERP cut-over."),
             ("red", "Re-baseline needed: vendor migration tooling failed acceptance.")), False),
    "P22": ((("green", ""), ("green", ""), ("amber", "Payroll module slips one quarter.")),
            False),
    "P31": ((("green", "Charging at the first three depots live."),
             ("green", "First 120 vans delivered."), ("green", "")), True),
    "P34": ((("green", ""), ("green", ""),
             ("green", "Savings ahead of plan at Kelbrook pumping station.")), True),
    "P41": ((("amber", "Data cleansing behind plan."),
             ("red", "Data migration defects above tolerance."),
             ("amber", "Recovery plan approved; defect rate falling.")), False),
    "P44": ((("green", ""), ("green", ""), ("green", "")), True),
}
STATUS_PERIODS = ["2026Q2", "2026Q3", "2026Q4"]
# Owner's next-quarter benefit forecast / what came: their habitual optimism (1 = calibrated).
OPTIMISM = {"M. Lindqvist": 1.4, "J. Brennan": 1.0, "C. Byrne": 1.2, "K. Mehta": 1.0,
            "H. Duarte": 1.0, "F. Haddad": 1.0}
# Actual spend / planned spend in a quarter, by that quarter's RAG.
OVERRUN = {"green": (0.93, 1.04), "amber": (1.04, 1.14), "red": (1.12, 1.28)}
# Projects whose owners leave forecast_to_complete blank (the remaining costs count instead).
NO_FORECAST_TO_COMPLETE = {"P17", "P44"}

# The benefits register: benefit_id, project_id, kpi, unit, baseline, target, target date,
# owner (blank = the project's owner), current KPI value (None = not measured yet), share of
# the project's benefit it carries (None = no money value recorded).
BENEFITS = [
    ("B01", "P02", "Smart meters installed", "meters", 0, 180_000, "2027Q4", "", 96_000, 0.7),
    ("B02", "P02", "Estimated bills", "% of bills", 38, 5, "2028Q2", "H. Duarte", 24, 0.3),
    ("B03", "P07", "Calls answered within 60 seconds", "% of calls", 71, 90, "2027Q2", "", 78,
     1.0),
    ("B04", "P12", "Bursts on trunk mains", "bursts a year", 64, 30, "2028Q4", "", 51, 1.0),
    ("B05", "P17", "Leakage", "Ml/day", 142, 118, "2028Q2", "", 133, 1.0),
    ("B06", "P21", "Management reports on the data platform", "% of reports", 0, 100,
     "2027Q4", "", 22, None),
    ("B07", "P21", "Data engineering run cost", "EUR a year", 2_400_000, 1_500_000, "2028Q2",
     "E. Novak", None, 1.0),
    ("B08", "P22", "Month-end close", "working days", 9, 4, "2027-09-30", "F. Haddad", 9, 1.0),
    ("B09", "P31", "Electric vans in the fleet", "vans", 0, 320, "2027Q2", "", 190, 0.4),
    ("B10", "P31", "Fleet emissions", "tCO2e a year", 5_200, 3_900, "2027Q4", "N. Jansen",
     4_700, 0.6),
    ("B11", "P34", "Pumping energy", "GWh a year", 96, 84, "2028Q1", "", 91, 1.0),
    ("B12", "P41", "Billing systems in use", "systems", 4, 1, "2027Q4", "", 4, None),
    ("B13", "P41", "Billing cost per customer", "EUR a year", 11.4, 8.9, "2028Q2", "", None,
     1.0),
    ("B14", "P44", "Unplanned pump outages", "outages a year", 120, 70, "2027Q4", "", 95, 1.0),
]
RAG_BENEFIT_FACTOR = {"green": 1.0, "amber": 0.92, "red": 0.8}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

def round_to(x: float, step: int) -> int:
    """Round *x* to the nearest multiple of *step* (an int)."""
    return int(step * round(x / step))


def spend_profile(rng: np.random.Generator, total: int, start: int, duration: int) -> list[int]:
    """Spread *total* over *duration* quarters from *start*: a hump, rounded to thousands."""
    shape = np.array([1 + 0.6 * math.sin(math.pi * (i + 0.5) / duration) for i in range(duration)])
    shape *= rng.uniform(0.85, 1.15, duration)
    parts = [round_to(total * s / shape.sum(), 1000) for s in shape]
    parts[int(np.argmax(parts))] += total - sum(parts)  # keep the total exact
    row = [0] * len(PERIODS)
    row[start:start + duration] = parts
    return row


def make_costs(rng: np.random.Generator) -> dict[str, list[int]]:
    """Spend per project and period.

    In-flight projects spend their remaining cost from the first quarter. Proposed projects
    get the start quarter the planning office pencilled in: the one that best levels the
    quarterly ask of the whole list (prerequisites and large projects placed first, ties
    broken at random). A project that requires another starts no earlier than the other's
    last quarter.
    """
    sizes = {}
    for pid, _name, _owner, _dept, _theme, status in PROJECTS:
        total = float(np.clip(rng.lognormal(math.log(1.7e6), 0.5), 0.3e6, 6.0e6))
        total = round_to(total, 10_000)
        duration = int(np.clip(round(2 + 1.1 * math.log(total / 0.3e6) + rng.normal(0, 0.7)),
                               2, 6))
        if status == "in_flight":
            duration = min(duration, 5)
        sizes[pid] = (total, duration)
    costs = {pid: [spend.get(p, 0) for p in PERIODS] for pid, spend in FIXED_COSTS.items()}
    for pid, _name, _owner, _dept, _theme, status in PROJECTS:
        if status == "in_flight" and pid not in costs:
            costs[pid] = spend_profile(rng, sizes[pid][0], 0, sizes[pid][1])
    prerequisite = dict(REQUIRES)
    proposed = [p[0] for p in PROJECTS if p[5] == "proposed" and p[0] not in costs]
    for pid in sorted(proposed, key=lambda p: (p in prerequisite, -sizes[p][0])):
        total, duration = sizes[pid]
        latest = len(PERIODS) - duration
        earliest = 0
        if pid in prerequisite:
            earliest = min(latest, int(np.nonzero(costs[prerequisite[pid]])[0].max()))
        ask = np.array(list(costs.values()), dtype=float).sum(axis=0)
        best, best_cost = None, math.inf
        for start in earliest + rng.permutation(latest - earliest + 1):
            row = spend_profile(rng, total, int(start), duration)
            cost = float(((ask + row) ** 2).sum())
            if cost < best_cost:
                best, best_cost = row, cost
        costs[pid] = best
    return {p[0]: costs[p[0]] for p in PROJECTS}


def make_benefits(rng: np.random.Generator, costs: dict[str, list[int]]) -> dict[str, int]:
    """Benefit over the horizon = gross spend x a theme-typical benefit/cost ratio."""
    benefits = {}
    for pid, _name, _owner, _dept, theme, _status in PROJECTS:
        gross = sum(c for c in costs[pid] if c > 0)
        ratio = THEME_ROI[theme] * float(np.clip(rng.lognormal(0, 0.45), 0.5, 2.0))
        benefits[pid] = round_to(gross * ratio, 10_000)
    benefits["P11"] = 150_000  # avoided enforcement costs only
    benefits["P19"] = 200_000
    return benefits


def make_scores(rng: np.random.Generator, costs, benefits) -> dict[str, dict[str, float]]:
    """Scores 1..5 per criterion, typical of the theme, with financial return from the ROI."""
    pids = [p[0] for p in PROJECTS]
    gross = {pid: sum(c for c in costs[pid] if c > 0) for pid in pids}
    roi = np.array([benefits[pid] / gross[pid] for pid in pids])
    roi_pct = roi.argsort().argsort() / (len(pids) - 1)  # 0 = worst ratio, 1 = best
    log_size = np.array([math.log(gross[pid]) for pid in pids])
    size = (log_size - log_size.mean()) / log_size.std()
    scores = {}
    for i, (pid, _name, _owner, _dept, theme, _status) in enumerate(PROJECTS):
        sf, ci, rr, dr, cb = THEME_SCORE_MEANS[theme]
        raw = {
            "strategic_fit": sf + 0.5 * size[i] + rng.normal(0, 0.8),  # big bets are strategic
            "financial_return": 1 + 4 * roi_pct[i] + rng.normal(0, 0.4),
            "customer_impact": ci + 0.3 * size[i] + rng.normal(0, 0.8),
            "risk_reduction": rr + 0.3 * size[i] + rng.normal(0, 0.8),
            "delivery_risk": dr + 0.5 * size[i] + rng.normal(0, 0.7),  # big projects are riskier
            "change_burden": cb + 0.3 * size[i] + rng.normal(0, 0.8),
        }
        half_points = rng.random(len(CRITERION_IDS)) < 0.12  # the panel split: x.5
        row = {}
        for crit, half in zip(CRITERION_IDS, half_points, strict=True):
            value = round(raw[crit] * 2) / 2 if half else round(raw[crit])
            row[crit] = float(np.clip(value, 1, 5))
        row.update(SCORE_OVERRIDES.get(pid, {}))
        scores[pid] = row
    return scores


def make_demand(rng: np.random.Generator, costs) -> list[tuple[str, str, str, int]]:
    """Person-days per pool and quarter, proportional to spend (rounded to 5 days)."""
    rows = []
    for pid, _name, _owner, dept, _theme, _status in PROJECTS:
        intensity = np.array(POOL_INTENSITY[dept], dtype=float) * rng.uniform(0.7, 1.3, 4)
        if pid == "P19":  # OT security is mostly cyber work
            intensity = np.array([30.0, 40.0, 20.0, 220.0])
        if pid == "P21":  # the data platform is mostly data engineering
            intensity[0] = 220.0
        for t, period in enumerate(PERIODS):
            spend = costs[pid][t]
            if spend == 0:
                continue
            for pool, per_m in zip(POOLS, intensity, strict=True):
                days = round_to(abs(spend) / 1e6 * per_m, 5)
                if days > 0:
                    rows.append((pid, pool, period, days))
    return rows


def make_budget(costs) -> list[int]:
    """First budget envelope: a share of the full list's ask per quarter, rounded to EUR 100k."""
    ask = np.array(list(costs.values())).sum(axis=0)
    return [round_to(BUDGET_SHARE * a, 100_000) for a in ask]


def write_budget(budget: list[int], total_budget: int) -> None:
    """Write the two sheets that hold money limits: settings and budget."""
    write_csv("settings", ["key", "value"], [
        ("organisation", ORGANISATION),
        ("currency", CURRENCY),
        ("periods", ",".join(PERIODS)),
        ("value", "score"),
        ("total_budget", total_budget),
        ("min_projects", MIN_PROJECTS),
        ("max_projects", MAX_PROJECTS),
    ])
    write_csv("budget", ["period", "amount"], zip(PERIODS, budget, strict=True))


def make_capacity(demand) -> dict[tuple[str, str], int]:
    """Flat quarterly capacity per pool, lower in Q3 for summer leave, rounded to 10 days."""
    total = {pool: 0 for pool in POOLS}
    for _pid, pool, _period, days in demand:
        total[pool] += days
    capacity = {}
    season = [SUMMER_FACTOR if p.endswith("Q3") else 1.0 for p in PERIODS]
    for pool in POOLS:
        base = POOL_SHARE[pool] * total[pool] / sum(season)
        for period, f in zip(PERIODS, season, strict=True):
            capacity[pool, period] = round_to(base * f, 10)
    return capacity


def saaty(ratio: float) -> float:
    """Nearest judgement on the Saaty scale 1/9..9 to a weight ratio."""
    if ratio >= 1:
        return float(min(9, max(1, round(ratio))))
    return 1.0 / min(9, max(1, round(1 / ratio)))


def make_judgements() -> list[tuple[str, str, str, float, str]]:
    """All 15 comparisons per executive, criterion_a before criterion_b in CRITERIA order."""
    pairs = {(a, b) for i, a in enumerate(CRITERION_IDS) for b in CRITERION_IDS[i + 1:]}
    for executive, a, b in [*JUDGEMENT_OVERRIDES, *COMMENTS]:
        assert executive in EXECUTIVE_WEIGHTS and (a, b) in pairs, (executive, a, b)
    rows = []
    for executive, weights in EXECUTIVE_WEIGHTS.items():
        for i, a in enumerate(CRITERION_IDS):
            for j in range(i + 1, len(CRITERION_IDS)):
                b = CRITERION_IDS[j]
                value = JUDGEMENT_OVERRIDES.get((executive, a, b), saaty(weights[i] / weights[j]))
                comment = COMMENTS.get((executive, a, b), "")
                rows.append((executive, a, b, value, comment))
    return rows


def consistency_ratio(judgements: pd.DataFrame) -> float:
    """Saaty's consistency ratio of one executive's judgements (principal eigenvector)."""
    n = len(CRITERION_IDS)
    index = {c: k for k, c in enumerate(CRITERION_IDS)}
    m = np.ones((n, n))
    for row in judgements.itertuples():
        i, j = index[row.criterion_a], index[row.criterion_b]
        m[i, j], m[j, i] = row.value, 1 / row.value
    lambda_max = max(np.linalg.eigvals(m).real)
    return float((lambda_max - n) / (n - 1) / SAATY_RI[n])


def make_status(rng: np.random.Generator, costs, benefits) -> list[tuple]:
    """Three quarters of status reports per in-flight project, consistent with remaining cost.

    Spend runs over or under its plan by the quarter's RAG (OVERRUN); realised benefit grows
    from quarter to quarter; each owner forecasts next quarter's benefit with their habitual
    optimism (OPTIMISM), so the owners' forecast accuracy differs.
    """
    owner = {p[0]: p[2] for p in PROJECTS}
    rows = []
    for pid, (reports, flowing) in STATUS.items():
        remaining = sum(costs[pid])
        done = rng.uniform(0.35, 0.6)  # share of the whole project done by end of 2026Q4
        spent_before = remaining * done / (1 - done)
        spend = [round_to(spent_before * rng.uniform(0.14, 0.22), 1000) for _ in STATUS_PERIODS]
        whole = spent_before + remaining
        to_date = [spent_before - sum(spend[i + 1:]) for i in range(len(spend))]
        real4 = round_to(benefits[pid] * rng.uniform(0.05, 0.12), 1000) if flowing else 0
        share3, share2 = rng.uniform(0.55, 0.75), rng.uniform(0.2, 0.4)
        realised = [round_to(real4 * share2, 1000), round_to(real4 * share3, 1000), real4]
        gains = [b - a for a, b in zip(realised, realised[1:])]
        gains.append(round_to(gains[-1] * rng.uniform(1.0, 1.3), 1000))  # 2027Q1, not reported
        if pid == "P21":  # promised first savings that the red quarter did not deliver
            gains = [0, 40_000, 60_000]
        for i, (period, (rag, note)) in enumerate(zip(STATUS_PERIODS, reports)):
            low, high = OVERRUN[rag]
            planned = round_to(spend[i] / rng.uniform(low, high), 1000)
            later = sum(spend[i + 1:])
            ftc = (None if pid in NO_FORECAST_TO_COMPLETE else
                   round_to((remaining + later) * (1 if i == 2 else rng.uniform(0.9, 1.0)),
                            1000))
            next_benefit = round_to(gains[i] * OPTIMISM[owner[pid]] * rng.uniform(0.95, 1.05),
                                    1000)
            forecast = round_to(benefits[pid] * RAG_BENEFIT_FACTOR[rag], 10_000)
            rows.append((pid, period, spend[i], round(100 * to_date[i] / whole), rag, forecast,
                         realised[i], note, planned, ftc, next_benefit))
    return rows


def make_benefits_register(benefits) -> list[tuple]:
    """The benefits register: BENEFITS with each benefit's money value."""
    return [(bid, pid, kpi, unit, base, target, due, owner, current,
             None if share is None else round_to(benefits[pid] * share, 10_000))
            for bid, pid, kpi, unit, base, target, due, owner, current, share in BENEFITS]


def fmt(value) -> str:
    """Format a cell: blank for None, whole numbers without '.0', reciprocals to 10 decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0")
    return str(value)


def write_csv(name: str, header: list[str], rows, folder: Path = OUT) -> None:
    with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fmt(v) for v in row])


def generate() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)

    costs = make_costs(rng)
    benefits = make_benefits(rng, costs)
    scores = make_scores(rng, costs, benefits)
    demand = make_demand(rng, costs)
    budget = make_budget(costs)
    capacity = make_capacity(demand)
    status = make_status(rng, costs, benefits)
    write_budget(budget, sum(budget))
    write_csv("projects",
              ["project_id", "name", "owner", "department", "theme", "status", "decision",
               "decision_reason", "benefit"],
              [(pid, name, owner, dept, theme, status, *DECISIONS.get(pid, ("auto", "")),
                benefits[pid]) for pid, name, owner, dept, theme, status in PROJECTS])
    write_csv("criteria",
              ["criterion_id", "name", "objective", "weight", "scale_min", "scale_max", "parent"],
              [(cid, name, obj, w, 1, 5, "") for cid, name, obj, w in CRITERIA])
    write_csv("scores", ["project_id", *CRITERION_IDS],
              [(pid, *(scores[pid][c] for c in CRITERION_IDS)) for pid in scores])
    write_csv("costs", ["project_id", *PERIODS], [(pid, *row) for pid, row in costs.items()])
    write_csv("capacity", ["pool", "period", "amount"],
              [(pool, period, amount) for (pool, period), amount in capacity.items()])
    write_csv("demand", ["project_id", "pool", "period", "amount"], demand)
    write_csv("dependencies", ["project_id", "kind", "other_id"],
              [(a, "requires", b) for a, b in REQUIRES]
              + [(a, "excludes", b) for a, b in EXCLUDES]
              + [(a, "with", b) for a, b in WITH])
    write_csv("groups", ["group", "project_id", "max_selected"],
              [(group, pid, k) for group, (k, members) in GROUPS.items() for pid in members])
    write_csv("themes", ["theme", "min_share", "max_share", "min_spend", "max_spend",
                         "target_share"],
              [(theme, *THEME_RULES[theme], TARGET_SHARE[theme]) for theme in THEMES])
    write_csv("judgements", ["executive", "criterion_a", "criterion_b", "value", "comment"],
              make_judgements())
    write_csv("status",
              ["project_id", "period", "actual_spend", "percent_complete", "rag",
               "forecast_benefit", "realised_benefit", "note", "planned_spend",
               "forecast_to_complete", "next_quarter_benefit"], status)
    write_csv("benefits",
              ["benefit_id", "project_id", "kpi", "unit", "baseline", "target", "target_date",
               "owner", "current", "value"], make_benefits_register(benefits))


# --------------------------------------------------------------------------------------------
# Checks: read the files back and make sure the sample teaches what it should
# --------------------------------------------------------------------------------------------

def load(folder: Path = OUT) -> dict[str, pd.DataFrame]:
    return {f.stem: pd.read_csv(f, keep_default_na=False, na_values=[""])
            for f in sorted(folder.glob("*.csv"))}


def check_ids(d: dict[str, pd.DataFrame]) -> None:
    settings = dict(zip(d["settings"].key, d["settings"].value.astype(str), strict=True))
    periods = settings["periods"].split(",")
    assert periods == PERIODS
    projects = d["projects"]
    pids = list(projects.project_id)
    assert len(pids) == 48 and len(set(pids)) == 48
    assert (projects.status == "proposed").sum() == 38
    assert (projects.status == "in_flight").sum() == 10
    assert projects.department.nunique() == 6 and projects.theme.nunique() == 5
    assert sorted(projects.decision.value_counts().items()) == [
        ("auto", 45), ("must", 2), ("must_not", 1)]
    forced = projects.decision != "auto"
    assert projects.decision_reason[forced].notna().all()
    assert projects.decision_reason[~forced].isna().all()
    assert projects.benefit.notna().all()
    crit = list(d["criteria"].criterion_id)
    assert abs(d["criteria"].weight.sum() - 1) < 1e-12
    for sheet, key_cols in [("scores", crit), ("costs", periods)]:
        assert list(d[sheet].columns) == ["project_id", *key_cols]
        assert list(d[sheet].project_id) == pids
    scores = d["scores"][crit]
    assert scores.notna().all().all() and scores.min().min() >= 1 and scores.max().max() <= 5
    costs = d["costs"].set_index("project_id")
    total = costs.sum(axis=1)
    assert (total >= 300_000).all() and (total <= 6_000_000).all(), total.describe()
    running = (costs != 0).sum(axis=1)
    assert running.between(2, 6).all()
    assert (costs < 0).sum().sum() == 1
    assert (costs % 1000 == 0).all().all()
    in_flight = projects.project_id[projects.status == "in_flight"]
    assert (costs.loc[in_flight, PERIODS[0]] > 0).all()
    assert list(d["budget"].period) == periods
    pools = sorted(set(d["capacity"].pool))
    assert len(pools) == 4 and len(d["capacity"]) == 4 * len(periods)
    dem = d["demand"]
    assert set(dem.project_id) <= set(pids) and set(dem.pool) <= set(pools)
    assert set(dem.period) <= set(periods) and (dem.amount > 0).all()
    for row in dem.itertuples():  # demand only where the project runs
        assert costs.at[row.project_id, row.period] != 0
    deps = d["dependencies"]
    assert set(deps.project_id) | set(deps.other_id) <= set(pids)
    assert (deps.project_id != deps.other_id).all()
    assert deps.kind.value_counts().to_dict() == {"requires": 7, "excludes": 3, "with": 2}
    must = set(projects.project_id[projects.decision == "must"])
    must_not = set(projects.project_id[projects.decision == "must_not"])
    req = {}
    for a, b in deps[deps.kind == "requires"][["project_id", "other_id"]].itertuples(index=False):
        req.setdefault(a, set()).add(b)

    def closure(p, seen=()):
        assert p not in seen, f"requires cycle through {p}"
        out = set()
        for q in req.get(p, ()):
            out |= {q} | closure(q, (*seen, p))
        return out

    for p in pids:
        closure(p)
    for p in must:
        assert not closure(p) & must_not
    for a, b in deps[deps.kind == "excludes"][["project_id", "other_id"]].itertuples(index=False):
        assert not {a, b} <= must
    groups = d["groups"]
    assert set(groups.project_id) <= set(pids)
    assert (groups.groupby("group").max_selected.nunique() == 1).all()
    themes = d["themes"]
    assert set(themes.theme) == set(projects.theme)
    assert themes[["min_spend", "max_spend"]].notna().sum().sum() <= 2
    status = d["status"]
    assert set(status.project_id) == set(in_flight)
    assert set(status.rag) <= {"green", "amber", "red"}
    assert status.percent_complete.between(0, 100).all()
    assert (status.groupby("project_id").size() == len(STATUS_PERIODS)).all()
    register = d["benefits"]
    assert set(register.project_id) <= set(in_flight) and register.benefit_id.is_unique
    assert (register.baseline != register.target).all()
    assert abs(d["themes"].target_share.sum() - 1) < 1e-12
    assert ((d["themes"].target_share >= d["themes"].min_share)
            & (d["themes"].target_share <= d["themes"].max_share)).all()
    judg = d["judgements"]
    assert set(judg.criterion_a) | set(judg.criterion_b) <= set(crit)
    assert (judg.groupby("executive").size() == 15).all() and judg.executive.nunique() == 4
    allowed = [float(k) for k in range(1, 10)] + [1 / k for k in range(2, 10)]
    assert all(min(abs(v - a) for a in allowed) < 1e-9 for v in judg.value)


def mcda_scores(d) -> pd.Series:
    """Weighted sum of min-max normalised scores; 'min' criteria inverted."""
    scores = d["scores"].set_index("project_id")
    total = pd.Series(0.0, index=scores.index)
    for c in d["criteria"].itertuples():
        s = scores[c.criterion_id]
        norm = (s - s.min()) / (s.max() - s.min())
        total += c.weight * (1 - norm if c.objective == "min" else norm)
    return total


def solve(d) -> tuple[set[str], dict]:
    """Solve the portfolio-selection MIP; return the selection and the constraint slacks."""
    settings = dict(zip(d["settings"].key, d["settings"].value.astype(str), strict=True))
    periods = settings["periods"].split(",")  # either quarter's sample
    projects = d["projects"].set_index("project_id")
    costs = d["costs"].set_index("project_id")[periods]
    total_cost = costs.sum(axis=1)
    value = mcda_scores(d)
    pids = list(projects.index)

    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = {p: pulp.LpVariable(f"x_{p}", cat="Binary") for p in pids}
    prob += pulp.lpSum(value[p] * x[p] for p in pids)
    spend = {t: pulp.lpSum(costs.at[p, t] * x[p] for p in pids) for t in periods}
    budget = dict(zip(d["budget"].period, d["budget"].amount, strict=True))
    for t in periods:
        prob += spend[t] <= budget[t], f"budget_{t}"
    total = pulp.lpSum(total_cost[p] * x[p] for p in pids)
    prob += total <= float(settings["total_budget"]), "total_budget"
    use = {}
    for row in d["demand"].itertuples():
        use.setdefault((row.pool, row.period), []).append(row.amount * x[row.project_id])
    cap = {(r.pool, r.period): r.amount for r in d["capacity"].itertuples()}
    for (pool, t), terms in use.items():
        prob += pulp.lpSum(terms) <= cap[pool, t], f"cap_{pool}_{t}".replace(" ", "_")
    count = pulp.lpSum(x.values())
    prob += count >= int(settings["min_projects"])
    prob += count <= int(settings["max_projects"])
    for p, dec in projects.decision.items():
        if dec == "must":
            prob += x[p] == 1
        elif dec == "must_not":
            prob += x[p] == 0
    for a, kind, b in d["dependencies"].itertuples(index=False):
        if kind == "requires":
            prob += x[a] <= x[b]
        elif kind == "excludes":
            prob += x[a] + x[b] <= 1
        else:
            prob += x[a] == x[b]
    for _group, rows in d["groups"].groupby("group"):
        prob += pulp.lpSum(x[p] for p in rows.project_id) <= int(rows.max_selected.iloc[0])
    for r in d["themes"].itertuples():
        members = projects.index[projects.theme == r.theme]
        in_theme = pulp.lpSum(total_cost[p] * x[p] for p in members)
        if pd.notna(r.min_share):
            prob += in_theme >= r.min_share * total
        if pd.notna(r.max_share):
            prob += in_theme <= r.max_share * total
        if pd.notna(r.min_spend):
            prob += in_theme >= r.min_spend
        if pd.notna(r.max_spend):
            prob += in_theme <= r.max_spend

    prob.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal", pulp.LpStatus[prob.status]
    chosen = {p for p in pids if x[p].value() > 0.5}
    sel_cost = costs.loc[sorted(chosen)]
    info = {
        "objective": pulp.value(prob.objective),
        "budget_slack": {t: budget[t] - sel_cost[t].sum() for t in periods},
        "budget": budget,
        "total_spend": total_cost[sorted(chosen)].sum(),
        "total_budget": float(settings["total_budget"]),
    }
    dem = d["demand"][d["demand"].project_id.isin(chosen)]
    used = dem.groupby(["pool", "period"]).amount.sum()
    info["cap_use"] = {k: (used.get(k, 0), cap[k]) for k in cap}
    theme_spend = total_cost[sorted(chosen)].groupby(projects.theme).sum()
    info["theme_spend"] = theme_spend.to_dict()
    return chosen, info


def greedy(d) -> list[str]:
    """Rank by MCDA score and fund down the list until a budget runs out."""
    settings = dict(zip(d["settings"].key, d["settings"].value.astype(str), strict=True))
    costs = d["costs"].set_index("project_id")[PERIODS]
    budget = d["budget"].set_index("period").amount[PERIODS].to_numpy(dtype=float)
    left_total = float(settings["total_budget"])
    order = mcda_scores(d).sort_values(ascending=False, kind="stable").index
    left = budget.copy()
    chosen = []
    for p in order:
        c = costs.loc[p].to_numpy(dtype=float)
        if (c > left).any() or c.sum() > left_total:
            break
        left -= c
        left_total -= c.sum()
        chosen.append(p)
    return chosen


def check(d) -> None:
    check_ids(d)
    total_ask = d["costs"][PERIODS].to_numpy().sum()
    settings = dict(zip(d["settings"].key, d["settings"].value.astype(str), strict=True))
    total_budget = float(settings["total_budget"])
    budget_sum = d["budget"].amount.sum()
    print(f"Total cost of all 48 projects: EUR {total_ask:,.0f}")
    print(f"Sum of quarterly budgets:      EUR {budget_sum:,.0f}")
    print(f"total_budget:                  EUR {total_budget:,.0f}"
          f"  (ask / total_budget = {total_ask / total_budget:.2f})")
    assert total_budget < budget_sum
    assert 1.5 <= total_ask / total_budget <= 1.7

    chosen, info = solve(d)
    print(f"\nOptimal portfolio: {len(chosen)} projects, objective {info['objective']:.3f}, "
          f"spend EUR {info['total_spend']:,.0f} of {info['total_budget']:,.0f}")
    print("  " + " ".join(sorted(chosen)))
    tight_quarters = []
    for t in PERIODS:
        slack, b = info["budget_slack"][t], info["budget"][t]
        tight = slack < 0.05 * b
        tight_quarters += [t] if tight else []
        print(f"  budget {t}: {b:>11,.0f}  slack {slack:>10,.0f} ({slack / b:5.1%})"
              + ("  binds" if tight else ""))
    tight_pools = []
    for (pool, t), (u, c) in sorted(info["cap_use"].items()):
        if c - u < 0.05 * c:
            tight_pools.append((pool, t))
            print(f"  capacity {pool} {t}: used {u:.0f} of {c:.0f}  binds")
    for theme, spend in info["theme_spend"].items():
        print(f"  theme {theme}: EUR {spend:,.0f} ({spend / info['total_spend']:.1%})")
    count = len(chosen)
    print(f"  projects funded: {count} (min {settings['min_projects']}, "
          f"max {settings['max_projects']})")
    assert len(tight_quarters) >= 4, tight_quarters
    assert tight_pools

    naive = greedy(d)
    print(f"\nRank-and-fund: {len(naive)} projects before a budget runs out: "
          + " ".join(sorted(naive)))
    print(f"  in optimum only: {sorted(chosen - set(naive))}; "
          f"in rank-and-fund only: {sorted(set(naive) - chosen)}")
    assert set(naive) != chosen

    print()
    crs = {}
    for executive, rows in d["judgements"].groupby("executive", sort=False):
        crs[executive] = consistency_ratio(rows)
        print(f"  CR {executive}: {crs[executive]:.3f}")
    assert sum(cr > 0.10 for cr in crs.values()) == 1
    assert crs["Chief Digital Officer"] > 0.10


def calibrate_budget() -> None:
    """Trim the budget to the best portfolio within the first envelope.

    Each quarter's budget becomes that portfolio's spend rounded up to EUR 100k, and the horizon
    cap its total spend rounded up to EUR 100k (which is below the sum of the quarterly
    budgets). The portfolio stays feasible, so it stays optimal, and every quarter is left
    with less than EUR 100k of slack.
    """
    d = load()
    chosen, _info = solve(d)
    costs = d["costs"].set_index("project_id").loc[sorted(chosen), PERIODS]
    budget = [int(100_000 * math.ceil(costs[t].sum() / 100_000)) for t in PERIODS]
    total = int(100_000 * math.ceil(costs.to_numpy().sum() / 100_000))
    write_budget(budget, total)


# --------------------------------------------------------------------------------------------
# The previous quarter: the workbook as the board saw it in 2026Q4
# --------------------------------------------------------------------------------------------

PREVIOUS_OUT = OUT.parent / "sample_2026q4"
# The horizon rolls one quarter: 2026Q4 is in view (in-flight projects spend their planned
# 2026Q4 spend from the status report), 2028Q4 is not yet (spend planned then is out of view).
PREVIOUS_PERIODS = ["2026Q4", *PERIODS[:-1]]

# Proposed in 2027Q1, so not on the 2026Q4 list.
PROPOSED_SINCE = ["P09", "P38", "P45"]
# On the 2026Q4 list, withdrawn before 2027Q1 (their ids are not reused):
# (project_id, name, owner, department, theme, status), benefit, scores, spend per period.
WITHDRAWN = {
    "P49": (("P49", "Hydro turbine refurbishment at Greyhollow dam", "A. Okafor", WATER, NZ,
             "proposed"), 1_700_000, (4, 4, 1, 2, 2, 1),
            {"2027Q2": 380_000, "2027Q3": 540_000, "2027Q4": 520_000, "2028Q1": 360_000}),
    "P50": (("P50", "Call recording and quality analytics", "H. Duarte", CUSTOMER, CX,
             "proposed"), 650_000, (3, 3.5, 4, 1, 2, 2),
            {"2027Q1": 180_000, "2027Q2": 260_000, "2027Q3": 170_000}),
}
# The board's weights before the executives' alignment moved 0.05 to risk reduction.
PREVIOUS_WEIGHTS = {"customer_impact": 0.20, "risk_reduction": 0.15}
# Scores before the re-scoring in 2027Q1.
PREVIOUS_SCORES = {"P13": {"risk_reduction": 3}, "P21": {"delivery_risk": 3},
                   "P33": {"financial_return": 2}}
# Previous plan = this quarter's plan x factor, per period (rounded to EUR 1000).
PREVIOUS_COST_FACTOR = {"P12": 0.9, "P06": 0.8, "P35": 1.25}
# The board's decisions before 2027Q1 (P19 and P47 were then left to the optimiser).
PREVIOUS_DECISIONS = {"P19": ("auto", ""), "P47": ("auto", "")}
# Quarterly budget in the 2026Q4 plan minus today's (the horizon cap moves with it).
PREVIOUS_BUDGET_CHANGE = {"2028Q2": -500_000}
# Share of each benefit KPI's progress (baseline to today's reading) reached a quarter earlier.
PREVIOUS_KPI_PROGRESS = 0.75

# Every deliberate difference, by the cause a quarter-over-quarter comparison names:
# (cause, project_id or "", what it was in 2026Q4 and why it changed). tests/test_runs.py
# checks the two workbooks differ in exactly these ways.
CHANGES = [
    ("horizon", "", "Periods 2026Q4..2028Q3: in-flight projects spend their planned 2026Q4 "
                    "spend in 2026Q4; spend planned for 2028Q4 was beyond the horizon."),
    ("competitors", "P09", "Not yet proposed: tabled in 2027Q1 after the regulator's "
                           "affordability guidance of December 2026."),
    ("competitors", "P38", "Not yet proposed: the national park authority offered the "
                           "partnership in January 2027."),
    ("competitors", "P45", "Not yet proposed: the business case followed the cloud "
                           "telephony migration's first results."),
    ("competitors", "P49", "Withdrawn in January 2027: the spillway remediation (P11) keeps "
                           "the Greyhollow reservoir drawn down until 2029."),
    ("competitors", "P50", "Withdrawn in January 2027: the cloud telephony contract (P07) "
                           "now includes call recording and analytics."),
    ("weights", "", "Customer impact weighed 0.20 and risk reduction 0.15; the executives' "
                    "alignment in January 2027 swapped them (0.15 and 0.20)."),
    ("scores", "P13", "Risk reduction 3, now 4: the new national flood map puts two more "
                      "substations in the flood zone."),
    ("scores", "P21", "Delivery risk 3, now 4: the vendor's migration tooling failed "
                      "acceptance in 2026Q4."),
    ("scores", "P33", "Financial return 2, now 3: the 2027 power purchase prices raise the "
                      "value of self-generation."),
    ("costs", "P12", "Remaining plan 10 % lower: the Ashcombe Road redesign (contingency "
                     "exhausted in 2026Q4) added to it."),
    ("costs", "P06", "Plan 20 % lower: the data-sharing agreement with the energy networks "
                     "added a data-matching service."),
    ("costs", "P35", "Plan 25 % higher: the gas network's connection offer for the biogas "
                     "came in below the estimate."),
    ("constraints", "P19", "Not yet a must: the regulator confirmed the NIS2 deadline in "
                           "January 2027."),
    ("constraints", "P47", "Not yet a must-not: the board's cloud-first decision came in "
                           "November 2026, after the 2026Q4 review."),
    ("constraints", "", "Budget for 2028Q2 EUR 500k lower (and the horizon cap with it): the "
                        "December 2026 business plan raised it."),
]


def pool_demand(pid: str, department: str, spend: dict[str, int]) -> list[tuple]:
    """Person-days per pool and quarter at the department's typical intensity (5-day steps)."""
    rows = []
    for period, amount in spend.items():
        for pool, per_m in zip(POOLS, POOL_INTENSITY[department], strict=True):
            days = round_to(abs(amount) / 1e6 * per_m, 5)
            if days > 0:
                rows.append((pid, pool, period, days))
    return rows


def derive_previous(d: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The 2026Q4 workbook, derived from this quarter's sheets *d* by the differences above."""
    last = PERIODS[-1]
    gone = set(PROPOSED_SINCE)
    status = d["status"]
    planned = (status[status.period == PREVIOUS_PERIODS[0]]
               .set_index("project_id").planned_spend)

    projects = d["projects"][~d["projects"].project_id.isin(gone)].copy()
    for pid, (decision, reason) in PREVIOUS_DECISIONS.items():
        projects.loc[projects.project_id == pid, ["decision", "decision_reason"]] = (
            decision, reason or None)
    added = [(*row, "auto", None, benefit) for row, benefit, _s, _c in WITHDRAWN.values()]
    projects = pd.concat([projects, pd.DataFrame(added, columns=projects.columns)],
                         ignore_index=True)

    criteria = d["criteria"].copy()
    for cid, weight in PREVIOUS_WEIGHTS.items():
        criteria.loc[criteria.criterion_id == cid, "weight"] = weight

    scores = d["scores"][~d["scores"].project_id.isin(gone)].set_index("project_id")
    for pid, changed in PREVIOUS_SCORES.items():
        for cid, value in changed.items():
            scores.loc[pid, cid] = value
    for pid, (_row, _benefit, values, _spend) in WITHDRAWN.items():
        scores.loc[pid] = values

    costs = d["costs"][~d["costs"].project_id.isin(gone)].set_index("project_id")
    costs.insert(0, PREVIOUS_PERIODS[0], planned.reindex(costs.index).fillna(0).astype(int))
    costs = costs[PREVIOUS_PERIODS]
    for pid, factor in PREVIOUS_COST_FACTOR.items():  # 2026Q4 stays as the status report says
        costs.loc[pid, PERIODS[:-1]] = [round_to(c * factor, 1000)
                                        for c in costs.loc[pid, PERIODS[:-1]]]
    for pid, (_row, _benefit, _scores, spend) in WITHDRAWN.items():
        costs.loc[pid] = [spend.get(p, 0) for p in PREVIOUS_PERIODS]

    # In-flight projects' 2026Q4 demand at the intensity of their 2027Q1 demand.
    demand = d["demand"][~d["demand"].project_id.isin(gone) & (d["demand"].period != last)]
    first = d["costs"].set_index("project_id")[PERIODS[0]]
    earlier = [(r.project_id, r.pool, PREVIOUS_PERIODS[0],
                round_to(r.amount * planned[r.project_id] / first[r.project_id], 5))
               for r in demand[demand.period == PERIODS[0]].itertuples()
               if r.project_id in planned.index]
    later = [pool_demand(row[0], row[3], spend) for row, _b, _s, spend in WITHDRAWN.values()]
    demand = pd.concat([pd.DataFrame([r for r in earlier if r[3] > 0], columns=demand.columns),
                        demand, pd.DataFrame(sum(later, []), columns=demand.columns)],
                       ignore_index=True)

    capacity = d["capacity"]
    earliest = capacity[capacity.period == PERIODS[0]].assign(period=PREVIOUS_PERIODS[0])
    capacity = (pd.concat([earliest, capacity[capacity.period != last]])
                .sort_values("pool", kind="stable", key=lambda s: s.map(POOLS.index)))

    budget = d["budget"].set_index("period").amount
    margin = budget.sum() - float(settings_of(d)["total_budget"])
    first_budget = int(100_000 * math.ceil(planned.sum() / 100_000))
    budget = pd.concat([pd.Series({PREVIOUS_PERIODS[0]: first_budget}), budget.drop(last)])
    for period, change in PREVIOUS_BUDGET_CHANGE.items():
        budget[period] += change
    settings = d["settings"].copy()
    settings["value"] = settings["value"].astype(object)
    settings.loc[settings.key == "periods", "value"] = ",".join(PREVIOUS_PERIODS)
    settings.loc[settings.key == "total_budget", "value"] = int(budget.sum() - margin)

    benefits = d["benefits"].copy()
    moved = benefits.current - benefits.baseline
    benefits["current"] = (benefits.baseline + (moved * PREVIOUS_KPI_PROGRESS).round())

    return d | {
        "settings": settings,
        "budget": budget.rename_axis("period").rename("amount").reset_index(),
        "projects": projects,
        "criteria": criteria,
        "scores": scores.reset_index(),
        "costs": costs.reset_index(),
        "demand": demand,
        "capacity": capacity,
        "status": status[status.period < PREVIOUS_PERIODS[0]],
        "benefits": benefits,
    }


def settings_of(d: dict[str, pd.DataFrame]) -> dict[str, str]:
    return dict(zip(d["settings"].key, d["settings"].value.astype(str), strict=True))


def write_previous(d: dict[str, pd.DataFrame]) -> None:
    """Write the previous quarter's sheets in the same CSV layout as this quarter's."""
    PREVIOUS_OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in d.items():
        rows = ([None if pd.isna(v) else v for v in row]
                for row in frame.itertuples(index=False))
        write_csv(name, list(frame.columns), rows, folder=PREVIOUS_OUT)


def check_previous(previous: dict[str, pd.DataFrame], current: dict[str, pd.DataFrame]) -> None:
    """The previous quarter validates, solves, and its optimum differs from this quarter's."""
    import warnings

    import seo_workbench as seo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        report = seo.validate_workbook(PREVIOUS_OUT)
    assert report.ok, str(report)
    assert settings_of(previous)["periods"].split(",") == PREVIOUS_PERIODS
    assert abs(previous["criteria"].weight.sum() - 1) < 1e-12
    before, info = solve(previous)
    now, _info = solve(current)
    print(f"Previous quarter ({PREVIOUS_PERIODS[0]}): {len(before)} projects funded, spend EUR "
          f"{info['total_spend']:,.0f} of {info['total_budget']:,.0f}")
    print(f"  funded then, not now: {sorted(before - now)}; now, not then: {sorted(now - before)}")
    assert before != now
    assert before & set(WITHDRAWN), "a withdrawn project should have been funded in 2026Q4"
    assert now & set(PROPOSED_SINCE), "a newly proposed project should be funded in 2027Q1"


if __name__ == "__main__":
    generate()
    calibrate_budget()
    print(f"Wrote {len(list(OUT.glob('*.csv')))} files to {OUT}\n")
    check(load())
    write_previous(derive_previous(load()))
    print(f"\nWrote {len(list(PREVIOUS_OUT.glob('*.csv')))} files to {PREVIOUS_OUT}")
    check_previous(load(PREVIOUS_OUT), load())
