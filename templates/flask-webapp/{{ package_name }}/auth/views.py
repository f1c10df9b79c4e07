"""Auth views."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..extensions import db, limiter, login_manager
from ..models import User
from ..security import safe_next_url
from . import bp
from .forms import RegisterForm, SignInForm, normalize_email

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data.strip(), email=normalize_email(form.email.data))
        user.set_password(form.password.data)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            # Another request took the name or address since the form checked it.
            db.session.rollback()
            form.email.errors.append("That username or e-mail is already registered.")
        else:
            login_user(user)
            flash(f"Welcome, {user.username}! Your account is ready.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def login() -> Response | str:
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalize_email(form.email.data)))
        if user is not None and user.check_password(form.password.data):
            session.clear()  # a fresh session for the signed-in user
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.username}.", "success")
            return redirect(next_url or url_for("main.dashboard"))
        flash("Wrong e-mail or password.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    # A POST with a CSRF token (checked by CSRFProtect): a link or an image
    # on another site cannot sign people out.
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))
