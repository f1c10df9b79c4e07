from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The site's user.

    Django's own User with a model of the project's: fields added here later need only
    a migration, never a switch of AUTH_USER_MODEL on a live database.
    """
