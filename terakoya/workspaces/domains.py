"""Custom domains: one normal form (IDNA, lowercase, no port, no trailing dot), and the
domains a workspace may not claim (our own hosts, and another workspace's domain)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

_PORT = re.compile(r":\d{1,5}$")
_NOT_A_HOST = re.compile(r"[/\\?#@\s\[\]]")


def _bad_format() -> ValidationError:
    return ValidationError(
        _("Enter a domain name such as learn.example.com (no http://, no path)."),
        code="invalid_domain",
    )


def normalize_domain(value: str | None) -> str | None:
    """`Learn.Example.ORG:8000.` → `learn.example.org`; `学ぶ.例え.jp` → its `xn--` form.
    Empty is None. Anything that is not a domain name raises ValidationError."""
    from terakoya.workspaces.models import DOMAIN_VALIDATOR

    domain = _normal_form(value)
    if domain is not None:
        DOMAIN_VALIDATOR(domain)
    return domain


def _normal_form(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if "://" in text or _NOT_A_HOST.search(text):
        raise _bad_format()
    text = _PORT.sub("", text).rstrip(".").rstrip("。．｡")
    try:
        # UTS 46 maps what people type (capitals, full-width letters and dots) to one form.
        ascii_form = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise _bad_format() from None
    return ascii_form.lower()


def _own_host(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    try:
        return idna.encode(name, uts46=True).decode("ascii") if name else name
    except (idna.IDNAError, UnicodeError, ValueError):
        return name


def reserved_reason(domain: str) -> str | None:
    """Why this (normalized) domain belongs to the installation itself, or None."""
    base_domain = _own_host(settings.TERAKOYA_BASE_DOMAIN)
    if base_domain and (domain == base_domain or domain.endswith("." + base_domain)):
        return _(
            "%(domain)s is part of this installation's own address (%(base)s); enter a domain "
            "of your own."
        ) % {"domain": domain, "base": base_domain}
    own_hosts = {_own_host(h) for h in settings.TERAKOYA_BASE_HOSTS}
    own_hosts.add(_own_host(settings.TERAKOYA_BASE_HOST))
    if domain in own_hosts:
        return _("%(domain)s is this installation's own address; enter a domain of your own.") % {
            "domain": domain
        }
    return None


def clean_custom_domain(value: str | None, *, workspace: Workspace | None) -> str | None:
    """The normalized domain this workspace may use, or ValidationError (localized)."""
    from terakoya.workspaces.models import DOMAIN_VALIDATOR, Workspace

    domain = _normal_form(value)
    if domain is None:
        return None
    # Our own hosts first: `localhost` or `127.0.0.1` deserve that answer, not "not a domain".
    reason = reserved_reason(domain)
    if reason is not None:
        raise ValidationError(reason, code="reserved_domain")
    DOMAIN_VALIDATOR(domain)
    others = Workspace.objects.filter(custom_domain__iexact=domain)
    if workspace is not None and workspace.pk is not None:
        others = others.exclude(pk=workspace.pk)
    if others.exists():
        raise ValidationError(
            _("%(domain)s is already used by another workspace.") % {"domain": domain},
            code="domain_taken",
        )
    return domain
