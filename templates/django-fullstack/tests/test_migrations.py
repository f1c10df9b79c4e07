from django.db.migrations.loader import MigrationLoader


def test_each_app_has_one_line_of_migrations():
    """Fails when two migrations share a parent, e.g. after a template update.

    Fix it with `python manage.py makemigrations --merge` (see README).
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert loader.detect_conflicts() == {}
