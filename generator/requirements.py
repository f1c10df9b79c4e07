"""The requirement questions: keys, values and defaults (a public contract)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

SERVICE_PURPOSES = ("api", "microservice", "model-service")


@dataclass(frozen=True)
class Requirement:
    """One requirement question as a person reads it."""

    key: str
    question: str
    help: str
    choices: tuple[str, ...]
    default_for: Callable[[str], str]


def _fixed(value: str) -> Callable[[str], str]:
    return lambda purpose: value


def _pages(purpose: str) -> str:
    return "no" if purpose in SERVICE_PURPOSES else "yes"


def _accounts(purpose: str) -> str:
    return "none" if purpose in (*SERVICE_PURPOSES, "prototype") else "login"


def _admin(purpose: str) -> str:
    return "yes" if purpose in ("business-app", "content") else "no"


def _data(purpose: str) -> str:
    if purpose == "model-service":
        return "none"
    return "many" if purpose in ("business-app", "content") else "few"


def _lifespan(purpose: str) -> str:
    if purpose in ("prototype", "learning"):
        return "short"
    return "years" if purpose in ("business-app", "content") else "months"


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "purpose",
        "What are you building?",
        "Your first answer pre-fills the others; change any you like.",
        ("api", "microservice", "model-service", "website", "business-app", "content", "prototype", "learning"),
        _fixed("website"),
    ),
    Requirement(
        "pages", "Will people use HTML pages it serves (not only JSON)?", "no = a JSON API only.", ("yes", "no"), _pages
    ),
    Requirement(
        "accounts",
        "Will people sign in?",
        "roles = groups and permissions; external = an outside identity provider or custom scheme.",
        ("none", "login", "roles", "external"),
        _accounts,
    ),
    Requirement(
        "admin",
        "Will staff manage data through back-office screens?",
        "yes = an admin where staff edit records.",
        ("yes", "no"),
        _admin,
    ),
    Requirement(
        "data",
        "How much relational data?",
        "none = no SQL database; many = many related models.",
        ("none", "few", "many"),
        _data,
    ),
    Requirement(
        "lifespan",
        "How long, and by whom, will it be maintained?",
        "short = weeks; years = a team, for years.",
        ("short", "months", "years"),
        _lifespan,
    ),
    Requirement(
        "stack_control",
        "Do you need to pick each component (ORM, auth, storage) yourself?",
        "yes = you want to choose every part; no = sensible defaults are welcome.",
        ("yes", "no"),
        _fixed("no"),
    ),
)

BY_KEY: Mapping[str, Requirement] = {r.key: r for r in REQUIREMENTS}
KEYS: tuple[str, ...] = tuple(BY_KEY)

PURPOSE_LABELS: Mapping[str, str] = {
    "api": "an API (JSON for other programs)",
    "microservice": "a microservice with one focused job",
    "model-service": "a web front for a model or other existing code",
    "website": "a website",
    "business-app": "a business app with staff screens",
    "content": "a content site (CMS, blog, news, shop)",
    "prototype": "a prototype",
    "learning": "a project to learn web development",
}


def default(key: str, purpose: str) -> str:
    """The default answer for key, given the purpose answer."""
    return BY_KEY[key].default_for(purpose)


def complete(given: Mapping[str, str]) -> dict[str, str]:
    """Fill every requirement key missing from given with its purpose-driven default."""
    purpose = given.get("purpose", default("purpose", ""))
    return {key: given.get(key, default(key, purpose)) for key in KEYS}


def check_value(key: str, value: str) -> str | None:
    """Why value is not allowed for key, or None when it is."""
    choices = BY_KEY[key].choices
    if value in choices:
        return None
    return f"{key}={value!r} is not allowed; use one of: {', '.join(choices)}"
