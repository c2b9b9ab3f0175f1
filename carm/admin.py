"""What the officers' admin shares."""

from collections.abc import Callable
from functools import cache

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carm import formats
from carm.errors import CodedError
from carm.forms import DecisionForm
from carm.models import MONEY


def _writer(field) -> Callable | None:
    """The portal's format for a model field officers read, if it has one."""
    if isinstance(field, models.DecimalField):
        kept = {"max_digits": field.max_digits, "decimal_places": field.decimal_places}
        return formats.money if kept == MONEY else None
    if isinstance(field, models.DateTimeField):
        return formats.moment
    if isinstance(field, models.DateField):
        return formats.day
    return None


@cache
def shown(model, name):
    """A list column or read-only field `name` of `model`, written the portal's way when it
    is an amount or a date ($1,234.50, October 1, 2026); any other name as it is. One
    callable per field, so the admin recognizes it wherever it is listed."""
    if not isinstance(name, str):
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    write = _writer(field)
    if write is None:
        return name

    def display(obj):
        return write(getattr(obj, name))

    display.__name__ = name
    display.short_description = field.verbose_name
    display.admin_order_field = name
    return display


class PortalFormats:
    """Amounts and dates on an admin's lists and read-only fields in the portal's formats,
    in the officer's language (the admin would show 35217.46 and Oct. 1, 2026). Fields an
    officer types in stay plain decimals and ISO dates, so they read back as typed."""

    def get_list_display(self, request):
        return [shown(self.model, name) for name in super().get_list_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return [shown(self.model, name) for name in super().get_readonly_fields(request, obj)]

    def get_fieldsets(self, request, obj=None):
        readonly = set(self.get_readonly_fields(request, obj))
        all_read = obj is not None and not self.has_change_permission(request, obj)

        def written(name):
            if isinstance(name, list | tuple):  # fields on one line
                return type(name)(written(each) for each in name)
            formatted = shown(self.model, name)
            return formatted if all_read or formatted in readonly else name

        return [
            (title, {**options, "fields": [written(name) for name in options["fields"]]})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def _typed(self, request, obj, kwargs: dict) -> dict:
        """The form holds the fields officers type; the written ones are only read."""
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            kwargs["fields"] = [name for name in kwargs["fields"] if isinstance(name, str)]
        return kwargs

    def get_form(self, request, obj=None, **kwargs):
        return super().get_form(request, obj, **self._typed(request, obj, kwargs))


class PortalFormatsInline(PortalFormats):
    """PortalFormats for the rows shown inside another object's page."""

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, **self._typed(request, obj, kwargs))


class ReadOnlyAdmin(PortalFormats, admin.ModelAdmin):
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
