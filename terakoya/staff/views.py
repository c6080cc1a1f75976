from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from terakoya.core.client_ip import client_ip
from terakoya.core.ratelimit import RateLimited
from terakoya.staff import services
from terakoya.staff.forms import StaffLoginForm


class StaffLoginView(auth_views.LoginView):
    """Every attempt counts against the account and the IP before the password is checked."""

    template_name = "staff/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        email = str(request.POST.get("username", ""))
        ip = client_ip(request)
        try:
            services.count_staff_login_attempt(email=email, ip=ip)
        except RateLimited as exc:
            # An unbound form: validating the bound one would check the password.
            blank = self.get_form_class()(request, initial={"username": email.strip()[:254]})
            return self._too_many(blank, exc)
        if form.is_valid():
            return self.form_valid(form)
        if any(error.code == "invalid_login" for error in form.non_field_errors().as_data()):
            services.record_failed_staff_login(email=email, ip=ip)
        return self.form_invalid(form)

    def _too_many(self, form: Any, exc: RateLimited) -> HttpResponse:
        """The same page for the right and a wrong password: nothing is checked."""
        minutes = max(1, -(-exc.retry_after // 60))
        error = ngettext(
            "Too many sign-in attempts. For your security, please wait %(minutes)s minute "
            "and try again.",
            "Too many sign-in attempts. For your security, please wait %(minutes)s minutes "
            "and try again.",
            minutes,
        ) % {"minutes": minutes}
        response = self.render_to_response(self.get_context_data(form=form, error=error))
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response


class StaffLogoutView(auth_views.LogoutView):
    pass


class StaffPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "staff/password_change.html"
    success_url = reverse_lazy("dashboard:index")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response
