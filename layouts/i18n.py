"""The translation functions. Every user-visible string goes through `_()`.

English is the source language. The catalogues of the workers' languages are
layouts/locales/<lang>/LC_MESSAGES/messages.po, compiled to messages.mo beside them
(committed; README "Translations"). A string a catalogue lacks, or holds only as fuzzy,
reads in English.

The language is the reader's, per request: the app factory calls `activate()` at the
start of each request (from `?lang=`, else the browser's Accept-Language, else the
deployment's default). It lives in a context variable, so two requests answered at once
by two threads never see each other's language, and code outside a request (tests, the
command line) reads English until it activates a language itself.
"""

from __future__ import annotations

import functools
import gettext
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

# The languages a reader can choose, each named in its own script (the switcher shows
# these names), in the order the switcher lists them.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "my": "မြန်မာ",
    "km": "ខ្មែរ",
    "ne": "नेपाली",
    "bn": "বাংলা",
    "th": "ไทย",
}
DEFAULT = "en"

# The digits of the numbering systems CLDR names as a locale's default (Babel formats
# the separators and grouping but always writes ASCII digits).
_DIGITS = {
    "mymr": "၀၁၂၃၄၅၆၇၈၉",
    "deva": "०१२३४५६७८९",
    "beng": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "khmr": "០១២៣៤៥៦៧៨៩",
}


@dataclass(frozen=True)
class Active:
    """The language of the current request: its code and its translations."""

    code: str
    translation: gettext.NullTranslations


_ENGLISH = Active(DEFAULT, gettext.NullTranslations())
_current: ContextVar[Active] = ContextVar("ilm_language", default=_ENGLISH)


@functools.cache
def _translations(code: str) -> gettext.NullTranslations:
    if code == DEFAULT:
        return gettext.NullTranslations()
    # Babel's Translations read the catalogue's plural rule from its header; a language
    # without a compiled catalogue reads in English.
    return Translations.load(str(LOCALES), [code], DOMAIN)


def supported(code: str | None) -> bool:
    return code in LANGUAGES


def activate(code: str) -> Token:
    """Make `code` the language of the current context (a request, a test); returns the
    token `deactivate` takes to restore the previous one."""
    if not supported(code):
        code = DEFAULT
    return _current.set(Active(code, _translations(code)))


def deactivate(token: Token) -> None:
    _current.reset(token)


def set_language(code: str) -> None:
    """Make `code` the language of the current context, with no way back (tests)."""
    activate(code)


def use_translation(translation: gettext.NullTranslations) -> None:
    """Install a translation object directly (tests use a pseudo-locale)."""
    _current.set(Active(f"custom-{id(translation)}", translation))


def language() -> str:
    """The language of the strings `_()` returns now: part of every rendered-output key."""
    return _current.get().code


def html_language() -> str:
    """The language for `<html lang>`: a pseudo-locale's pages say English."""
    code = language()
    return code if supported(code) else DEFAULT


def _(message: str) -> str:
    return _current.get().translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get().translation.ngettext(singular, plural, n)


def dropdown_labels() -> dict[str, str]:
    """The texts a dcc.Dropdown draws itself (search box, "No options found", ...).

    Dash gives them in English unless passed, and it takes the whole dict or none, so
    every key is here; `{num_selected}` is filled in by the component, not by Python.
    """
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def N_(message: str) -> str:
    """Marks a string for extraction without translating it (the code lists' names,
    translated where they are shown)."""
    return message


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _native_digits(code: str, text: str) -> str:
    system = _locale(code).default_numbering_system
    digits = _DIGITS.get(system)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def format_number(value: int | float, pattern: str | None = None) -> str:
    """A number in the current language: its separators, its grouping and, where CLDR
    names another default numbering system for the language, its own digits."""
    return _formatted(html_language(), value, pattern)


# A table writes hundreds of counts per answer (the exposure profile's six: about 600),
# each through Babel's pattern machinery, and the same counts recur from answer to answer.
@functools.lru_cache(maxsize=65_536, typed=True)
def _formatted(code: str, value: int | float, pattern: str | None) -> str:
    text = format_decimal(value, format=pattern, locale=_locale(code))
    return _native_digits(code, text)


def digits(text: str) -> str:
    """ASCII digits in `text` written in the current language's own digits, if any."""
    return _native_digits(html_language(), text)


def own_digits() -> str:
    """The current language's own ten digits, or "" when it writes ASCII ones: what the
    charts' script (assets/07_digits.js) reads from <html data-digits>."""
    own = digits("0123456789")
    return "" if own == "0123456789" else own


def plotly_separators() -> str:
    """plotly's `separators` (decimal, then thousands) for the current language. Plotly
    writes ASCII digits and groups by thousands whatever the language."""
    code = html_language()
    return get_decimal_symbol(code) + get_group_symbol(code)
