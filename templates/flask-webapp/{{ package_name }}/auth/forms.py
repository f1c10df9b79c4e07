"""Forms for the auth pages; Flask-WTF adds a CSRF token to each."""

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Regexp,
    ValidationError,
)

from ..extensions import db
from ..models import User


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=32),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, '.', '-' and '_' only."),
        ],
    )
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=8, max=128, message="Use between 8 and 128 characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )
    submit = SubmitField("Create account")

    def validate_username(self, field: StringField) -> None:
        query = select(User.id).where(func.lower(User.username) == field.data.lower())
        if db.session.scalar(query) is not None:
            raise ValidationError("That username is taken.")

    def validate_email(self, field: EmailField) -> None:
        query = select(User.id).where(User.email == normalize_email(field.data))
        if db.session.scalar(query) is not None:
            raise ValidationError("An account with that e-mail already exists.")


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")
    submit = SubmitField("Sign in")


def normalize_email(address: str) -> str:
    return address.strip().lower()
