"""What the officers' admin shares."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError
from carm.forms import DecisionForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """Officers look; the portal's services and its users make the changes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DecidedOnItsPage(ReadOnlyAdmin):
    """An object an officer approves or rejects on its own page (an adjustment, a request
    to lower the security): the list links there, the object's address leads there, and
    the page's Approve/Reject with a note calls the subclass's `decide`, whose refusals
    land on the form. Subclasses name `decide_queryset`, `decide_template`, `decide`,
    `decided_message` and `decide_context`."""

    decide_template = ""

    def _decide_url_name(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_decide"

    def _pending(self, obj) -> bool:
        return obj.status == obj.Status.PENDING

    @admin.display(description=_("decision"))
    def review(self, obj) -> str:
        label = _("Review and decide") if self._pending(obj) else _("View")
        url = reverse(f"admin:{self._decide_url_name()}", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, label)

    def get_urls(self):
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name=self._decide_url_name(),
        )
        return [decide, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """One page per object: the one that decides it."""
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect(reverse(f"admin:{self._decide_url_name()}", args=[object_id]))

    def decide_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.decide_queryset(), pk=pk)
        may_decide = self._pending(obj) and self.has_decide_permission(request)
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            if form.is_valid():
                try:
                    self.decide(request, obj, approve=form.approve, note=form.cleaned_data["note"])
                except CodedError as error:
                    form.add_service_error(error)
                else:
                    self.message_user(request, self.decided_message(obj, approve=form.approve))
                    opts = self.model._meta
                    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "may_decide": may_decide,
            **self.decide_context(request, obj),
        }
        return TemplateResponse(request, self.decide_template, context)
