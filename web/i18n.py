"""Thai first, English on a toggle.

User-facing strings are written in templates as pairs, t("ไทย", "English"), so both languages
sit side by side. Catalog content (name_th / name_en, ...) falls back to Thai when the English
text is missing, marked lang="th" so screen readers and fonts treat it as Thai.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app, g, request, session, url_for
from markupsafe import Markup, escape

from api.errors import wants_json

LANGUAGES = ("th", "en")


def current_lang() -> str:
    return getattr(g, "lang", "th")


def t(th: str, en: str) -> str:
    return en if current_lang() == "en" else th


def localized(obj: Any, field: str) -> Markup:
    """The English value on English pages when there is one; Thai otherwise."""
    thai = getattr(obj, f"{field}_th", "") or ""
    if current_lang() == "en":
        english = getattr(obj, f"{field}_en", "") or ""
        if english:
            return escape(english)
        if thai:
            return Markup('<span lang="th">{}</span>').format(thai)
    return escape(thai)


def plain(obj: Any, field: str) -> str:
    """As localized(), without markup: for attributes, titles and speech."""
    if current_lang() == "en":
        english = getattr(obj, f"{field}_en", "") or ""
        if english:
            return english
    return getattr(obj, f"{field}_th", "") or ""


def format_baht(amount: Decimal | int) -> str:
    """1,000 for whole baht, 12.50 when there are satang."""
    amount = Decimal(amount)
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def counter_list(labels: list[str], lang: str | None = None) -> str:
    """'1, 2 or 3' / '1, 2 หรือ 3': the counters a ticket may be called to (screen and paper)."""
    if len(labels) < 2:
        return "".join(labels)
    word = " or " if (lang or current_lang()) == "en" else " หรือ "
    return ", ".join(labels[:-1]) + word + labels[-1]


def fee_text(service: Any, lang: str | None = None) -> str:
    """The fee line of a manual or ticket: never blank (ITA E12)."""
    en = (lang or current_lang()) == "en"
    if service.fee_baht is None:
        return "Fee varies by case" if en else "ค่าธรรมเนียมแตกต่างตามกรณี"
    if service.fee_baht == 0:
        return "No fee" if en else "ไม่มีค่าธรรมเนียม"
    amount = format_baht(service.fee_baht)
    return f"Fee {amount} baht" if en else f"ค่าธรรมเนียม {amount} บาท"


def url_with_lang(lang: str) -> str:
    """This page in `lang`: its path and query, with lang set. Built from the request's own
    path, not url_for(): a query may hold any name, url_for's own arguments (endpoint,
    _external) and the route's included. A page that does not exist links to the home page."""
    if request.url_rule is None:
        return url_for("catalog.home", lang=lang)
    query = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    return f"{request.script_root}{quote(request.path)}?{urlencode([*query, ('lang', lang)])}"


# Pages opened on a citizen's own phone from a QR code (the ticket's status page and its
# rating, a complaint's tracking page): with no language chosen yet they follow the phone's,
# so a visitor whose phone reads English is not met by Thai. The kiosk and the staff pages
# stay Thai first whatever their browser says.
PHONE_ENDPOINTS = frozenset({"tickets.status", "rating.phone_form", "rating.phone_submit",
                             "rating.phone_thanks", "complaints.track"})


def _select_language() -> None:
    if wants_json():  # the API keeps no session, and its messages are not translated
        return
    requested = request.args.get("lang")
    if requested in LANGUAGES and not current_app.session_interface.is_null_session(session):
        session["lang"] = requested
    chosen = session.get("lang")
    if chosen is None and request.endpoint in PHONE_ENDPOINTS:
        chosen = request.accept_languages.best_match(LANGUAGES)
    g.lang = requested if requested in LANGUAGES else chosen or "th"


def init_app(app: Flask) -> None:
    app.before_request(_select_language)
    app.jinja_env.globals.update(t=t, url_with_lang=url_with_lang, current_lang=current_lang,
                                 fee_text=fee_text, counter_list=counter_list)
    app.jinja_env.filters["loc"] = localized
    app.jinja_env.filters["plain"] = plain
    app.jinja_env.filters["baht"] = format_baht
