"""Django admin's login is a door that checks a password like the portal's and the console's:
it counts on the same account and the same address (``web.signin.check_password``), so a
superuser cannot be guessed at ``/admin/login/`` from an address the portal slows down."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from pledgedesk import clock
from pledgedesk.web import signin


class AdminSignInForm(AdminAuthenticationForm):
    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if username and password:
            try:
                self.user_cache = signin.check_password(
                    self.request, identifier=username, found=signin.user_by_username(username),
                    password=password, now=clock.current())
            except signin.Refused as refused:
                raise ValidationError(refused.message, code="too_many_attempts") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)  # active staff only, as Django's
        return self.cleaned_data


class DeskAdminSite(admin.AdminSite):
    login_form = AdminSignInForm
    site_header = "Pledgedesk administration"
    site_title = "Pledgedesk admin"
    site_url = "/console/"
