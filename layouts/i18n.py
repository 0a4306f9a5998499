"""The translation function. Every user-visible string goes through `_()`.

English is the source language. Catalogues for the workers' languages go in
dashboard/locales/<lang>/LC_MESSAGES/messages.mo (gettext); until one exists for a
language, `_()` returns the English text.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(language: str) -> None:
    global _translation, _language
    _language = language
    _translation = gettext.translation(
        "messages", localedir=LOCALES, languages=[language], fallback=True
    )


def use_translation(translation: gettext.NullTranslations) -> None:
    """Install a translation object directly (tests use a pseudo-locale)."""
    global _translation, _language
    _translation = translation
    _language = f"custom-{id(translation)}"


def language() -> str:
    """The language of the strings `_()` returns now: part of every rendered-output key."""
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
