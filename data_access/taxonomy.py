"""The code lists every extract value is checked against.

These lists are the dashboard's half of the data contract (docs/data-contract.md): the
importer rejects any code that is not here, and the query layer refuses any filter value
that is not here before a query is built. Names are English source strings; the UI
passes them through the translation function when it shows them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    code: str
    name: str
    theme: str
    ilo_indicator: str | None


# Themes group issue categories for the views; order is the display order.
THEMES: dict[str, str] = {
    "wages": "Wages",
    "recruitment_debt": "Recruitment & debt",
    "violence_harassment": "Violence & harassment",
    "hours": "Working hours",
    "documents_movement": "Documents & movement",
    "safety_living": "Safety & living conditions",
    "contracts_dismissal": "Contracts & dismissal",
    "voice_association": "Voice & association",
}

# ILO indicators of forced labour (ILO, "Hard to see, harder to count", 2012; the
# eleven indicators used by the ILO Special Action Programme to Combat Forced Labour).
ILO_INDICATORS: dict[str, str] = {
    "abuse_of_vulnerability": "Abuse of vulnerability",
    "deception": "Deception",
    "restriction_of_movement": "Restriction of movement",
    "isolation": "Isolation",
    "physical_sexual_violence": "Physical and sexual violence",
    "intimidation_threats": "Intimidation and threats",
    "retention_of_documents": "Retention of identity documents",
    "withholding_of_wages": "Withholding of wages",
    "debt_bondage": "Debt bondage",
    "abusive_conditions": "Abusive working and living conditions",
    "excessive_overtime": "Excessive overtime",
}

_ISSUES: tuple[Issue, ...] = (
    Issue("wages_unpaid", "Wages withheld, late or underpaid", "wages", "withholding_of_wages"),
    Issue("illegal_deductions", "Illegal wage deductions", "wages", "withholding_of_wages"),
    Issue("below_minimum_wage", "Pay below the minimum wage", "wages", None),
    Issue("overtime_unpaid", "Overtime not paid at the legal rate", "wages", None),
    Issue("recruitment_fees", "Recruitment fees and debt", "recruitment_debt", "debt_bondage"),
    Issue("deception", "Deception about the job", "recruitment_debt", "deception"),
    Issue("excessive_hours", "Excessive working hours", "hours", "excessive_overtime"),
    Issue("no_rest_day", "No weekly rest day", "hours", "excessive_overtime"),
    Issue(
        "documents_retained",
        "Identity documents retained",
        "documents_movement",
        "retention_of_documents",
    ),
    Issue(
        "restricted_movement",
        "Restricted movement",
        "documents_movement",
        "restriction_of_movement",
    ),
    Issue(
        "physical_abuse",
        "Physical abuse",
        "violence_harassment",
        "physical_sexual_violence",
    ),
    Issue(
        "verbal_abuse",
        "Verbal abuse and threats",
        "violence_harassment",
        "intimidation_threats",
    ),
    Issue(
        "sexual_harassment",
        "Sexual harassment",
        "violence_harassment",
        "physical_sexual_violence",
    ),
    Issue("unsafe_work", "Unsafe work", "safety_living", "abusive_conditions"),
    Issue("poor_living", "Poor living conditions", "safety_living", "abusive_conditions"),
    Issue(
        "contract_substitution",
        "No contract or contract substitution",
        "contracts_dismissal",
        "deception",
    ),
    Issue("leave_denied", "Leave and benefits denied", "contracts_dismissal", None),
    Issue(
        "unfair_dismissal",
        "Unfair dismissal or retaliation",
        "contracts_dismissal",
        "intimidation_threats",
    ),
    Issue(
        "freedom_of_association",
        "Freedom of association denied",
        "voice_association",
        None,
    ),
    Issue("grievance_ignored", "Grievance ignored", "voice_association", None),
)

ISSUES: dict[str, Issue] = {i.code: i for i in _ISSUES}

# ISO 3166-1 alpha-2 codes of every country the network works in or recruits for.
COUNTRIES: dict[str, str] = {
    "TH": "Thailand",
    "MY": "Malaysia",
    "MM": "Myanmar",
    "KH": "Cambodia",
    "LA": "Laos",
    "VN": "Viet Nam",
    "BD": "Bangladesh",
    "NP": "Nepal",
    "IN": "India",
    "ID": "Indonesia",
    "KW": "Kuwait",
    "SA": "Saudi Arabia",
    "AE": "United Arab Emirates",
    "QA": "Qatar",
    "GR": "Greece",
    "HR": "Croatia",
    "BG": "Bulgaria",
    "GB": "United Kingdom",
}

# ISO 3166-1 alpha-3 codes of the same countries, for maps (plotly's "ISO-3" locations).
ISO3: dict[str, str] = {
    "TH": "THA",
    "MY": "MYS",
    "MM": "MMR",
    "KH": "KHM",
    "LA": "LAO",
    "VN": "VNM",
    "BD": "BGD",
    "NP": "NPL",
    "IN": "IND",
    "ID": "IDN",
    "KW": "KWT",
    "SA": "SAU",
    "AE": "ARE",
    "QA": "QAT",
    "GR": "GRC",
    "HR": "HRV",
    "BG": "BGR",
    "GB": "GBR",
}

# Nationalities are keyed by the ISO code of the country of citizenship.
NATIONALITIES: dict[str, str] = {
    "MM": "Burmese",
    "KH": "Cambodian",
    "BD": "Bangladeshi",
    "NP": "Nepali",
    "LA": "Lao",
    "TH": "Thai",
    "VN": "Vietnamese",
    "IN": "Indian",
    "ID": "Indonesian",
}

INDUSTRIES: dict[str, str] = {
    "apparel_footwear": "Apparel & footwear",
    "electronics": "Electronics",
    "food_beverage": "Food & beverage",
    "seafood": "Seafood",
    "agriculture": "Agriculture",
    "construction": "Construction",
    "domestic_work": "Domestic work",
    "other": "Other industries",
}

TIERS: dict[str, str] = {
    "1": "Tier 1 (final assembly)",
    "2": "Tier 2 (components, processing)",
    "3": "Tier 3 (raw materials, farms, vessels)",
}

CHANNELS: dict[str, str] = {
    "helpline": "Helpline",
    "facebook": "Facebook",
    "line": "Line",
    "viber": "Viber",
    "worker_app": "Worker app",
    "outreach": "In-person outreach",
}

LANGUAGES: dict[str, str] = {
    "my": "Burmese",
    "km": "Khmer",
    "bn": "Bengali",
    "ne": "Nepali",
    "lo": "Lao",
    "th": "Thai",
    "vi": "Vietnamese",
    "en": "English",
}

STAGES: dict[str, str] = {
    "recruitment": "Recruitment",
    "employment": "Employment",
}

SEXES: dict[str, str] = {"female": "Female", "male": "Male", "unknown": "Unknown"}

STATUSES: dict[str, str] = {
    "open": "Open",
    "raised": "Raised with employer or recruiter",
    "remediated": "Remediated",
    "not_remediated": "Not remediated",
    "referred": "Referred",
}

VALIDATED: dict[str, str] = {"yes": "Yes", "no": "No", "unknown": "Unknown"}

ROUTES: dict[str, str] = {
    "employer": "Employer",
    "recruitment_agency": "Recruitment agency",
    "buyer_escalation": "Buyer escalation",
    "government_referral": "Government referral",
    "union_negotiation": "Union negotiation",
}

AUDIT_TYPES: dict[str, str] = {
    "social_compliance": "Social compliance audit",
    "ethical_trade": "Ethical trade audit",
    "certification": "Certification audit",
}

# Statuses that close a case: they carry a month resolved.
CLOSED_STATUSES = frozenset({"remediated", "not_remediated", "referred"})


def issue_names() -> dict[str, str]:
    return {code: issue.name for code, issue in ISSUES.items()}


def theme_of(issue_code: str) -> str:
    return ISSUES[issue_code].theme


# One place that names every code list, for the importer, the API and the docs.
CODE_LISTS: dict[str, dict[str, str]] = {
    "issue": issue_names(),
    "theme": THEMES,
    "ilo_indicator": ILO_INDICATORS,
    "country": COUNTRIES,
    "nationality": NATIONALITIES,
    "industry": INDUSTRIES,
    "tier": TIERS,
    "channel": CHANNELS,
    "language": LANGUAGES,
    "stage": STAGES,
    "sex": SEXES,
    "status": STATUSES,
    "validated": VALIDATED,
    "route": ROUTES,
    "audit_type": AUDIT_TYPES,
}
