"""The notes resource: create, list, read, update and delete."""

from typing import Any

from flask import Blueprint, current_app, request, url_for
from sqlalchemy import select

from .errors import ValidationFailed
from .extensions import db
from .models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Note

bp = Blueprint("notes", __name__, url_prefix="/api/notes")

FIELDS = {"title", "body"}
# Keeps OFFSET arithmetic far from integer limits on every database.
MAX_QUERY_INT = 1_000_000


@bp.get("")
def list_notes() -> dict[str, object]:
    page = query_int("page", default=1)
    per_page = min(
        query_int("per_page", default=current_app.config["PER_PAGE"]),
        current_app.config["MAX_PER_PAGE"],
    )
    result = db.paginate(
        select(Note).order_by(Note.id), page=page, per_page=per_page, error_out=False
    )
    last = max(result.pages, 1)  # an empty list still has one (empty) page
    return {
        "items": [note.to_dict() for note in result.items],
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "pages": result.pages,
        "links": {
            "self": page_url(page, per_page),
            "first": page_url(1, per_page),
            "last": page_url(last, per_page),
            "prev": page_url(min(page - 1, last), per_page) if page > 1 else None,
            "next": page_url(page + 1, per_page) if page < last else None,
        },
    }


@bp.post("")
def create_note() -> tuple[dict[str, object], int, dict[str, str]]:
    fields = validate(request.get_json(), partial=False)
    note = Note(**fields)
    db.session.add(note)
    db.session.commit()
    location = url_for("notes.get_note", note_id=note.id)
    return note.to_dict(), 201, {"Location": location}


@bp.get("/<int:note_id>")
def get_note(note_id: int) -> dict[str, object]:
    return find_note(note_id).to_dict()


@bp.put("/<int:note_id>")
@bp.patch("/<int:note_id>")
def update_note(note_id: int) -> dict[str, object]:
    note = find_note(note_id)
    fields = validate(request.get_json(), partial=request.method == "PATCH")
    if request.method == "PUT":
        fields.setdefault("body", "")
    for name, value in fields.items():
        setattr(note, name, value)
    db.session.commit()
    return note.to_dict()


@bp.delete("/<int:note_id>")
def delete_note(note_id: int) -> tuple[str, int]:
    db.session.delete(find_note(note_id))
    db.session.commit()
    return "", 204


def find_note(note_id: int) -> Note:
    return db.get_or_404(Note, note_id, description=f"There is no note {note_id}.")


def page_url(page: int, per_page: int) -> str:
    return url_for("notes.list_notes", page=page, per_page=per_page)


def query_int(name: str, *, default: int) -> int:
    """Read a whole number from 1 to MAX_QUERY_INT from the query string."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_QUERY_INT:
        raise ValidationFailed(
            {name: [f"Must be a whole number from 1 to {MAX_QUERY_INT}."]}
        )
    return int(raw)


def validate(data: Any, *, partial: bool) -> dict[str, str]:
    """Check a note sent by a client; PATCH (partial) may leave fields out."""
    if not isinstance(data, dict):
        raise ValidationFailed({}, "Send the note as a JSON object.")
    errors = {name: ["Unknown field."] for name in sorted(data.keys() - FIELDS)}
    clean: dict[str, str] = {}
    if "title" in data:
        title = data["title"]
        if not isinstance(title, str):
            errors["title"] = ["Must be a string."]
        elif not title.strip():
            errors["title"] = ["Must not be blank."]
        elif len(title.strip()) > TITLE_MAX_LENGTH:
            errors["title"] = [f"At most {TITLE_MAX_LENGTH} characters."]
        else:
            clean["title"] = title.strip()
    elif not partial:
        errors["title"] = ["This field is required."]
    if "body" in data:
        body = data["body"]
        if not isinstance(body, str):
            errors["body"] = ["Must be a string."]
        elif len(body) > BODY_MAX_LENGTH:
            errors["body"] = [f"At most {BODY_MAX_LENGTH} characters."]
        else:
            clean["body"] = body
    if errors:
        raise ValidationFailed(errors)
    return clean
