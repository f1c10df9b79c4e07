"""Flask or Django: a pure function of the requirement answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from newproj.catalog import FRAMEWORK_NAMES, Framework
from newproj.requirements import complete

CLOSE_MARGIN = 1


@dataclass(frozen=True)
class Signal:
    """An answer that pulls toward one framework, with the reason in plain words."""

    key: str
    value: str
    framework: Framework
    weight: int
    reason: str

    def fires(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.key) == self.value


@dataclass(frozen=True)
class Combined(Signal):
    """A signal that needs a second answer too (key2=value2)."""

    key2: str = ""
    value2: str = ""

    def fires(self, answers: Mapping[str, str]) -> bool:
        return super().fires(answers) and answers.get(self.key2) == self.value2


SIGNALS: tuple[Signal, ...] = (
    Signal(
        "admin",
        "yes",
        "django",
        4,
        "Staff will edit data in back-office screens: Django's admin builds them from your models, "
        "with search, filters and permissions, without writing them yourself.",
    ),
    Signal(
        "purpose",
        "content",
        "django",
        4,
        "A content site: Django's conventions carry a mature CMS and shop ecosystem (Wagtail, django CMS, Oscar).",
    ),
    Signal(
        "accounts",
        "roles",
        "django",
        3,
        "People sign in with roles: Django ships users, groups and per-model permissions, "
        "already wired into the admin.",
    ),
    Signal(
        "data",
        "many",
        "django",
        3,
        "Many related models: Django's ORM, migrations, forms and admin make a database-backed app fast to build.",
    ),
    Signal(
        "purpose",
        "business-app",
        "django",
        3,
        "A business app is mostly records and the people who edit them, which is what Django's built-ins are made for.",
    ),
    Combined(
        "purpose",
        "api",
        "django",
        2,
        "A large REST API over many models: Django REST Framework brings serializers, viewsets, "
        "pagination, authentication and browsable docs.",
        key2="data",
        value2="many",
    ),
    Signal(
        "lifespan",
        "years",
        "django",
        2,
        "A team will keep it for years: every Django project shares one layout, so newcomers "
        "find their way and fewer decisions are left open.",
    ),
    Signal(
        "accounts",
        "login",
        "django",
        1,
        "People sign in: Django's authentication, sessions and password views come built in.",
    ),
    Signal(
        "purpose",
        "microservice",
        "flask",
        4,
        "A microservice with one focused job: Flask keeps it small, with explicit routes and few dependencies.",
    ),
    Signal(
        "purpose",
        "model-service",
        "flask",
        4,
        "A web front for existing code such as a model: a few Flask routes wrap it without a "
        "project structure to adopt.",
    ),
    Signal(
        "data",
        "none",
        "flask",
        4,
        "No SQL database: most of Django's built-ins (admin, auth, forms) sit on its SQL ORM, "
        "so you would carry them unused.",
    ),
    Signal(
        "stack_control",
        "yes",
        "flask",
        3,
        "You want to choose each component: Flask composes exactly what you pick, where "
        "Django's defaults would have to be worked around.",
    ),
    Signal(
        "accounts",
        "external",
        "flask",
        3,
        "Sign-in goes through an outside identity provider or a custom scheme: Flask has no "
        "built-in user model to work around.",
    ),
    Signal(
        "purpose",
        "api",
        "flask",
        2,
        "A focused API: with a handful of endpoints, Flask's explicit routes are less to carry than a Django project.",
    ),
    Signal(
        "purpose",
        "learning",
        "flask",
        2,
        "Learning: Flask shows the request, the route and the response plainly, one piece at a time.",
    ),
    Signal("purpose", "prototype", "flask", 1, "A prototype whose design may still change: Flask commits you to less."),
    Signal("lifespan", "short", "flask", 1, "A short life (weeks): the smaller framework is the quicker start."),
    Signal(
        "pages", "no", "flask", 1, "JSON only, no HTML pages: Django's templates, forms and page views would go unused."
    ),
    Signal("accounts", "none", "flask", 1, "Nobody signs in: Django's built-in accounts would go unused."),
)

TIE_REASON = "Nothing tips the balance, so the smaller framework is the easier start."

# What each template gives, per features.md: the answers (key, value) it cannot honour.
# Every template takes any accounts, any data and any purpose (purpose=model-service brings
# POST /api/predict to all three); only flask-api lacks pages, and with them an admin.
CANNOT_GIVE: Mapping[str, frozenset[tuple[str, str]]] = {
    "flask-api": frozenset({("pages", "yes"), ("admin", "yes")}),
    "flask-webapp": frozenset(),
    "django-fullstack": frozenset(),
}
WHY_NOT: Mapping[tuple[str, str], str] = {
    ("pages", "yes"): "it serves JSON only, no HTML pages",
    ("admin", "yes"): "it has no admin screens",
}


def cannot_give(template: str, answers: Mapping[str, str]) -> tuple[str, ...]:
    """The answers (as KEY=VALUE) that template cannot honour; empty when it gives everything asked."""
    missing = CANNOT_GIVE.get(template, frozenset())
    return tuple(f"{k}={v}" for k, v in sorted(missing) if answers.get(k) == v)


def refusal(template: str, answers: Mapping[str, str]) -> str | None:
    """One line saying why template cannot be used for these answers, or None when it can."""
    lacking = cannot_give(template, answers)
    if not lacking:
        return None
    key, value = lacking[0].split("=")
    return (
        f"template {template} cannot give {lacking[0]} ({WHY_NOT[(key, value)]}); "
        f"pick another template, or answer -a {key}={'no' if value == 'yes' else 'yes'}"
    )


def template_for(framework: str, answers: Mapping[str, str]) -> str:
    """The framework's template that gives what the answers ask (admin screens are pages, on Flask too)."""
    if framework == "django":
        return "django-fullstack"
    return "flask-webapp" if "yes" in (answers["pages"], answers["admin"]) else "flask-api"


def covered(template: str, answers: Mapping[str, str]) -> int:
    """How many answers a template honours as given (flask-webapp serves pages even when pages=no)."""
    overruled = template == "flask-webapp" and answers["pages"] == "no"
    return len(answers) - len(cannot_give(template, answers)) - int(overruled)


def contradictions(answers: Mapping[str, str], template: str) -> tuple[str, ...]:
    """Answers that gave way to others, each said with the reason (recorded with the decision)."""
    notes = []
    if answers["data"] == "none" and answers["accounts"] != "none":
        notes.append(
            f"data=none gave way to accounts={answers['accounts']}: signing people in needs a user store, "
            "so the project keeps a small database for accounts only."
        )
    if answers["data"] == "none" and answers["admin"] == "yes":
        notes.append("data=none gave way to admin=yes: an admin edits records, so the project keeps a database.")
    if answers["accounts"] == "none" and answers["admin"] == "yes":
        notes.append(
            "accounts=none gave way to admin=yes: staff sign in to the admin, so staff sign-in comes with it "
            "(there is still no sign-up or sign-in for the public)."
        )
    if template == "flask-webapp" and answers["pages"] == "no" and answers["admin"] == "yes":
        notes.append(
            "pages=no gave way to admin=yes: admin screens are HTML pages, so Flask's template is flask-webapp "
            "(with Flask-Admin) rather than the JSON-only flask-api."
        )
    return tuple(notes)


def _winner(scores: Mapping[str, int], answers: Mapping[str, str]) -> tuple[Framework, str | None]:
    """The higher score wins; a tie goes to the template covering more answers, else to the smaller framework."""
    if scores["django"] != scores["flask"]:
        return ("django" if scores["django"] > scores["flask"] else "flask"), None
    flask_template = template_for("flask", answers)
    flask_covers = covered(flask_template, answers)
    django_covers = covered("django-fullstack", answers)
    if django_covers > flask_covers:
        return "django", (
            f"A tie on the signals, broken toward the template that covers more of your answers: "
            f"django-fullstack honours {django_covers} of {len(answers)}, {flask_template} {flask_covers}."
        )
    return "flask", f"A tie on the signals, and both templates cover all your answers. {TIE_REASON}"


@dataclass(frozen=True)
class Decision:
    """The recommendation: framework, template, why, and how close the other framework came."""

    framework: Framework
    template: str
    reasons: tuple[str, ...]
    scores: Mapping[str, int]
    runner_up: Framework
    runner_up_template: str
    runner_up_reasons: tuple[str, ...]
    answers: Mapping[str, str]

    @property
    def margin(self) -> int:
        return self.scores[self.framework] - self.scores[self.runner_up]

    @property
    def close_call(self) -> bool:
        return self.margin <= CLOSE_MARGIN

    @property
    def framework_name(self) -> str:
        return FRAMEWORK_NAMES[self.framework]


def _reasons(fired: list[Signal], framework: str) -> tuple[str, ...]:
    chosen = sorted((s for s in fired if s.framework == framework), key=lambda s: -s.weight)
    return tuple(f"{s.reason} ({s.key}={s.value})" for s in chosen)


def decide(given: Mapping[str, str]) -> Decision:
    """Weigh the answers (missing ones take their defaults) and recommend a framework and a template."""
    answers = complete(given)
    fired = [s for s in SIGNALS if s.fires(answers)]
    scores = {f: sum(s.weight for s in fired if s.framework == f) for f in ("flask", "django")}
    winner, tie_note = _winner(scores, answers)
    loser: Framework = "flask" if winner == "django" else "django"
    template = template_for(winner, answers)
    reasons = _reasons(fired, winner) + ((tie_note,) if tie_note else ())
    return Decision(
        framework=winner,
        template=template,
        reasons=(reasons or (TIE_REASON,)) + contradictions(answers, template),
        scores=scores,
        runner_up=loser,
        runner_up_template=template_for(loser, answers),
        runner_up_reasons=_reasons(fired, loser),
        answers=answers,
    )
