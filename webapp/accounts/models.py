"""The user model: Django's user plus one of three roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What a person may do. Each role includes the ones before it."""

    VIEWER = "viewer", "Viewer"  # reads everything
    RESEARCHER = "researcher", "Researcher"  # authors atoms and datasets, runs their own jobs
    ADMIN = "admin", "Admin"  # everything, including other people's runs and users


_RANK = {Role.VIEWER: 0, Role.RESEARCHER: 1, Role.ADMIN: 2}


class User(AbstractUser):
    """A person using Atomlab. New accounts start as viewers; an admin promotes them."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    def has_role(self, role: Role) -> bool:
        """Whether this user's role is ``role`` or above. Superusers are admins."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return _RANK[Role(self.role)] >= _RANK[role]
