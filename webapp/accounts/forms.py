"""Forms of the users page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from webapp.accounts.models import Role, User
from webapp.core.forms import Form


class UserAddForm(Form):
    """A new account: name, role, and a password (generated when left empty)."""

    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RESEARCHER)
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="leave empty to generate one; it is shown once",
    )

    def clean_username(self) -> str:
        name = str(self.cleaned_data["username"]).strip()
        if User.objects.filter(username=name).exists():
            raise forms.ValidationError(f"{name!r} is taken; choose another name")
        return name


class RoleForm(Form):
    """A user's new role."""

    role = forms.ChoiceField(choices=Role.choices)
