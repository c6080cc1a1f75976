"""Staff sign-in limits: the rate limiter customer login uses, per account and per IP.

Staff users are global (one login, many workspaces) but the activity log is per workspace, so a
failed sign-in and a lockout are recorded on every workspace the account is a member of; an
email that belongs to no staff user leaves no activity row (only a log line), which also keeps
the log from being flooded with made-up names. Every attempt counts, before the password is
checked, so while an account is blocked the right password and a wrong one get the same answer.
The first attempt refused for an account starts a lockout: the owners of its workspaces are
emailed once per lockout.
"""

from __future__ import annotations

import hashlib
import logging
import math
import zoneinfo
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from terakoya.activity.services import record_event
from terakoya.core.ratelimit import Limit, RateLimited, hit
from terakoya.staff.models import User
from terakoya.workspaces.models import Membership, Role

logger = logging.getLogger(__name__)

STAFF_LOGIN_PER_IP = Limit("staff-login-ip", 30, 15 * 60)
STAFF_LOGIN_PER_EMAIL = Limit("staff-login-email", 10, 15 * 60)


def normalize_staff_email(value: str) -> str:
    return str(value or "").strip().lower()[:254]


def _memberships(user: User) -> list[Membership]:
    return list(
        Membership.objects.with_scopes_disabled()
        .filter(user=user)
        .select_related("workspace")
        .order_by("workspace_id")
    )


def _user(email: str) -> User | None:
    return User.objects.filter(email=email, is_active=True).first() if email else None


def count_staff_login_attempt(*, email: str, ip: str | None) -> None:
    """Count one sign-in attempt for this email and this IP. Raises RateLimited when either
    is over its limit; the attempt that locks an existing account tells its owners."""
    email = normalize_staff_email(email)
    by_ip = hit(STAFF_LOGIN_PER_IP, f"ip:{ip or '-'}")
    by_email = hit(STAFF_LOGIN_PER_EMAIL, email) if email else None
    if by_email is not None and not by_email.allowed:
        _lockout(email=email, ip=ip, retry_after=by_email.retry_after)
    worst = max(
        0 if by_ip.allowed else by_ip.retry_after,
        0 if by_email is None or by_email.allowed else by_email.retry_after,
    )
    if worst:
        raise RateLimited(worst)


def _lockout_key(email: str) -> str:
    return "staff-lockout:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _lockout(*, email: str, ip: str | None, retry_after: int) -> None:
    user = _user(email)
    if user is None:
        return
    # Once per lockout: the marker lives as long as the block.
    if not cache.add(_lockout_key(email), 1, timeout=max(1, retry_after)):
        return
    record_staff_lockout(user=user, ip=ip, retry_after=retry_after)


@transaction.atomic
def record_staff_lockout(*, user: User, ip: str | None, retry_after: int) -> None:
    """The activity row on each of the user's workspaces, and an email to each owner."""
    from terakoya.staff.emails import send_login_locked

    until = timezone.now() + timedelta(seconds=retry_after)
    minutes = max(1, math.ceil(retry_after / 60))
    for membership in _memberships(user):
        workspace = membership.workspace
        record_event(
            workspace,
            verb="staff.login_locked",
            actor=ip or "-",
            data={"email": user.email, "minutes": minutes},
            ip=ip,
        )
        owners = (
            Membership.objects.with_scopes_disabled()
            .filter(workspace=workspace, role=Role.OWNER, user__is_active=True)
            .select_related("user")
            .order_by("id")
        )
        try:
            zone = zoneinfo.ZoneInfo(workspace.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        for owner in owners:
            send_login_locked(
                workspace,
                owner=owner.user,
                user=user,
                ip=ip or "",
                minutes=minutes,
                until=timezone.localtime(until, zone).strftime("%H:%M"),
            )
    logger.warning("staff sign-in locked for user %s after too many attempts", user.pk)


@transaction.atomic
def record_failed_staff_login(*, email: str, ip: str | None) -> None:
    """A wrong password: an activity row on each workspace of the account, if there is one."""
    user = _user(normalize_staff_email(email))
    if user is None:
        logger.info("failed staff sign-in for an unknown email from %s", ip or "-")
        return
    for membership in _memberships(user):
        record_event(
            membership.workspace,
            verb="staff.login_failed",
            actor=ip or "-",
            data={"email": user.email},
            ip=ip,
        )
