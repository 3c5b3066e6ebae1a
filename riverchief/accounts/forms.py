"""Sign-in and password forms; the checks themselves live in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from riverchief.accounts import services
from riverchief.core.errors import DomainError


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": services.BAD_CREDENTIALS,
        "inactive": services.BAD_CREDENTIALS,
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.sign_in(self.request, username, password)
            except DomainError as error:
                raise forms.ValidationError(
                    error.message, code=error.code, params=error.params
                ) from error
        return self.cleaned_data


class ChangePasswordForm(PasswordChangeForm):
    """Django's form for the checks; the save goes through the service (audited)."""

    def save(self, commit=True):
        services.change_password(self.user, self.cleaned_data["new_password1"])
        return self.user


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80, required=False)
