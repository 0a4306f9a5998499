"""The code lists every extract value is checked against.

These lists are the dashboard's half of the data contract (docs/data-contract.md): the
importer rejects any code that is not here, and the query layer refuses any filter value
that is not here before a query is built. Names are English source strings; the UI
passes them through the translation function when it shows them.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a name for message extraction (babel.cfg, README "Translations"); the name is
    translated where it is shown. data_access sits below layouts.i18n: its own marker."""
    return message


@dataclass(frozen=True)
class Issue:
    code: str
    name: str
    theme: str
    ilo_indicator: str | None


# Themes group issue categories for the views; order is the display order.
THEMES: dict[str, str] = {
    "wages": N_("Wages"),
    "recruitment_debt": N_("Recruitment & debt"),
    "violence_harassment": N_("Violence & harassment"),
    "hours": N_("Working hours"),
    "documents_movement": N_("Documents & movement"),
    "safety_living": N_("Safety & living conditions"),
    "contracts_dismissal": N_("Contracts & dismissal"),
    "voice_association": N_("Voice & association"),
}

# ILO indicators of forced labour (ILO, "Hard to see, harder to count", 2012; the
# eleven indicators used by the ILO Special Action Programme to Combat Forced Labour).
ILO_INDICATORS: dict[str, str] = {
    "abuse_of_vulnerability": N_("Abuse of vulnerability"),
    "deception": N_("Deception"),
    "restriction_of_movement": N_("Restriction of movement"),
    "isolation": N_("Isolation"),
    "physical_sexual_violence": N_("Physical and sexual violence"),
    "intimidation_threats": N_("Intimidation and threats"),
    "retention_of_documents": N_("Retention of identity documents"),
    "withholding_of_wages": N_("Withholding of wages"),
    "debt_bondage": N_("Debt bondage"),
    "abusive_conditions": N_("Abusive working and living conditions"),
    "excessive_overtime": N_("Excessive overtime"),
}

_ISSUES: tuple[Issue, ...] = (
    Issue("wages_unpaid", N_("Wages withheld, late or underpaid"), "wages", "withholding_of_wages"),
    Issue("illegal_deductions", N_("Illegal wage deductions"), "wages", "withholding_of_wages"),
    Issue("below_minimum_wage", N_("Pay below the minimum wage"), "wages", None),
    Issue("overtime_unpaid", N_("Overtime not paid at the legal rate"), "wages", None),
    Issue("recruitment_fees", N_("Recruitment fees and debt"), "recruitment_debt", "debt_bondage"),
    Issue("deception", N_("Deception about the job"), "recruitment_debt", "deception"),
    Issue("excessive_hours", N_("Excessive working hours"), "hours", "excessive_overtime"),
    Issue("no_rest_day", N_("No weekly rest day"), "hours", "excessive_overtime"),
    Issue(
        "documents_retained",
        N_("Identity documents retained"),
        "documents_movement",
        "retention_of_documents",
    ),
    Issue(
        "restricted_movement",
        N_("Restricted movement"),
        "documents_movement",
        "restriction_of_movement",
    ),
    Issue(
        "physical_abuse",
        N_("Physical abuse"),
        "violence_harassment",
        "physical_sexual_violence",
    ),
    Issue(
        "verbal_abuse",
        N_("Verbal abuse and threats"),
        "violence_harassment",
        "intimidation_threats",
    ),
    Issue(
        "sexual_harassment",
        N_("Sexual harassment"),
        "violence_harassment",
        "physical_sexual_violence",
    ),
    Issue("unsafe_work", N_("Unsafe work"), "safety_living", "abusive_conditions"),
    Issue("poor_living", N_("Poor living conditions"), "safety_living", "abusive_conditions"),
    Issue(
        "contract_substitution",
        N_("No contract or contract substitution"),
        "contracts_dismissal",
        "deception",
    ),
    Issue("leave_denied", N_("Leave and benefits denied"), "contracts_dismissal", None),
    Issue(
        "unfair_dismissal",
        N_("Unfair dismissal or retaliation"),
        "contracts_dismissal",
        "intimidation_threats",
    ),
    Issue(
        "freedom_of_association",
        N_("Freedom of association denied"),
        "voice_association",
        None,
    ),
    Issue("grievance_ignored", N_("Grievance ignored"), "voice_association", None),
)

ISSUES: dict[str, Issue] = {i.code: i for i in _ISSUES}

# ISO 3166-1 alpha-2 codes of every country the network works in or recruits for.
COUNTRIES: dict[str, str] = {
    "TH": N_("Thailand"),
    "MY": N_("Malaysia"),
    "MM": N_("Myanmar"),
    "KH": N_("Cambodia"),
    "LA": N_("Laos"),
    "VN": N_("Viet Nam"),
    "BD": N_("Bangladesh"),
    "NP": N_("Nepal"),
    "IN": N_("India"),
    "ID": N_("Indonesia"),
    "KW": N_("Kuwait"),
    "SA": N_("Saudi Arabia"),
    "AE": N_("United Arab Emirates"),
    "QA": N_("Qatar"),
    "GR": N_("Greece"),
    "HR": N_("Croatia"),
    "BG": N_("Bulgaria"),
    "GB": N_("United Kingdom"),
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
    "MM": N_("Burmese"),
    "KH": N_("Cambodian"),
    "BD": N_("Bangladeshi"),
    "NP": N_("Nepali"),
    "LA": N_("Lao"),
    "TH": N_("Thai"),
    "VN": N_("Vietnamese"),
    "IN": N_("Indian"),
    "ID": N_("Indonesian"),
}

INDUSTRIES: dict[str, str] = {
    "apparel_footwear": N_("Apparel & footwear"),
    "electronics": N_("Electronics"),
    "food_beverage": N_("Food & beverage"),
    "seafood": N_("Seafood"),
    "agriculture": N_("Agriculture"),
    "construction": N_("Construction"),
    "domestic_work": N_("Domestic work"),
    "other": N_("Other industries"),
}

TIERS: dict[str, str] = {
    "1": N_("Tier 1 (final assembly)"),
    "2": N_("Tier 2 (components, processing)"),
    "3": N_("Tier 3 (raw materials, farms, vessels)"),
}

CHANNELS: dict[str, str] = {
    "helpline": N_("Helpline"),
    "facebook": N_("Facebook"),
    "line": N_("Line"),
    "viber": N_("Viber"),
    "worker_app": N_("Worker app"),
    "outreach": N_("In-person outreach"),
}

LANGUAGES: dict[str, str] = {
    "my": N_("Burmese"),
    "km": N_("Khmer"),
    "bn": N_("Bengali"),
    "ne": N_("Nepali"),
    "lo": N_("Lao"),
    "th": N_("Thai"),
    "vi": N_("Vietnamese"),
    "en": N_("English"),
}

STAGES: dict[str, str] = {
    "recruitment": N_("Recruitment"),
    "employment": N_("Employment"),
}

SEXES: dict[str, str] = {"female": N_("Female"), "male": N_("Male"), "unknown": N_("Unknown")}

STATUSES: dict[str, str] = {
    "open": N_("Open"),
    "raised": N_("Raised with employer or recruiter"),
    "remediated": N_("Remediated"),
    "not_remediated": N_("Not remediated"),
    "referred": N_("Referred"),
}

VALIDATED: dict[str, str] = {"yes": N_("Yes"), "no": N_("No"), "unknown": N_("Unknown")}

ROUTES: dict[str, str] = {
    "employer": N_("Employer"),
    "recruitment_agency": N_("Recruitment agency"),
    "buyer_escalation": N_("Buyer escalation"),
    "government_referral": N_("Government referral"),
    "union_negotiation": N_("Union negotiation"),
}

AUDIT_TYPES: dict[str, str] = {
    "social_compliance": N_("Social compliance audit"),
    "ethical_trade": N_("Ethical trade audit"),
    "certification": N_("Certification audit"),
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
