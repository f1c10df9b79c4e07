import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# The Alembic Config object, giving access to the values in alembic.ini.
config = context.config

# Set up Python logging from alembic.ini.
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

# Flask-Migrate stores the Flask-SQLAlchemy object; its engine and metadata come
# from the running app, so DATABASE_URL decides which database is migrated.
target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def run_migrations_offline():
    """Write the migration SQL to standard output instead of running it (--sql)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations against the database."""

    # Do not write an empty migration file when the models did not change.
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    with target_db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_db.metadata, **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
