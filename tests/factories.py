"""factory_boy factories for test data."""

from __future__ import annotations

import factory

from webapp.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = "viewer"
    password = factory.django.Password("pw-for-tests")
