from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terakoya.activity.labels import describe_data, verb_label
from terakoya.activity.models import ActivityEvent
from terakoya.contacts.queries import preset_counts
from terakoya.core.http import StaffRequest
from terakoya.dashboard.access import staff_view
from terakoya.mail.emails import send_test_email
from terakoya.mail.models import OutboxMessage
from terakoya.workspaces.forms import WorkspaceSettingsForm
from terakoya.workspaces.models import Membership, Role, Workspace
from terakoya.workspaces.services import update_workspace_settings

MANAGERS = (Role.OWNER, Role.ADMIN)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.with_scopes_disabled()
        .filter(user=request.user)
        .select_related("workspace")
        .order_by("workspace__name")
    )
    if len(memberships) == 1:
        return redirect("dashboard:home", workspace_slug=memberships[0].workspace.slug)
    return render(request, "dashboard/index.html", {"memberships": memberships})


@staff_view(action="dashboard.home")
def home(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    recent = list(ActivityEvent.objects.filter(workspace=workspace)[:8])
    for event in recent:
        event.label = verb_label(event.verb)  # type: ignore[attr-defined]
    context = {
        # Live contacts, from the same (cached above 50k contacts) figure as the contacts tabs.
        "contact_count": preset_counts(workspace)["all"],
        "recent_events": recent,
        "queued_emails": OutboxMessage.objects.filter(
            workspace=workspace, status__in=["queued", "sending"]
        ).count(),
        "failed_emails": OutboxMessage.objects.filter(workspace=workspace, status="failed").count(),
    }
    return render(request, "dashboard/home.html", context)


@staff_view(action="settings.change")
def workspace_settings(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    # The form edits a copy, so a rejected submission leaves request.workspace untouched.
    form_instance = Workspace.objects.get(pk=workspace.pk)
    if request.method == "POST":
        form = WorkspaceSettingsForm(request.POST, request.FILES, instance=form_instance)
        if form.is_valid():
            try:
                update_workspace_settings(workspace, actor=request.user, changes=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("dashboard:settings", workspace_slug=workspace.slug)
    else:
        form = WorkspaceSettingsForm(instance=form_instance)
    return render(request, "dashboard/settings.html", {"form": form})


@require_POST
@staff_view(action="settings.change")
def send_test(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    send_test_email(
        workspace,
        to=request.user.email,
        language=request.LANGUAGE_CODE or workspace.default_language,
    )
    messages.success(
        request, _("A test email is on its way to %(email)s.") % {"email": request.user.email}
    )
    return redirect("dashboard:emails", workspace_slug=workspace.slug)


@staff_view(action="activity.view")
def activity(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    events = ActivityEvent.objects.filter(workspace=workspace).select_related("contact")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.label = verb_label(event.verb)
        event.details = describe_data(event.data)
    return render(request, "dashboard/activity.html", {"page": page})


@staff_view(action="emails.view")
def emails(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    outbox = OutboxMessage.objects.filter(workspace=workspace)
    status = request.GET.get("status", "")
    if status in {"queued", "sending", "sent", "failed"}:
        outbox = outbox.filter(status=status)
    page = Paginator(outbox.defer("body_html", "body_text"), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/emails.html", {"page": page, "status": status})
