"""The admin made ours: branding, celery-beat's raw tables hidden (our Schedules page drives them), and routing rules
on a page of their own (they are also inline on each channel). Loaded last (console_app is last in INSTALLED_APPS),
so it sees every other app's registrations."""

from __future__ import annotations

import contextlib

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django_celery_beat import models as beat

from routing.models import RoutingRule

admin.site.site_header = "Agent gateway"
admin.site.site_title = "Agent gateway admin"
admin.site.index_title = "Configuration and activity"
admin.site.site_url = "/"

# The beat tables are mirrored from Schedule on every save; editing them by hand would be overwritten.
for model in (beat.PeriodicTask, beat.CrontabSchedule, beat.IntervalSchedule, beat.ClockedSchedule, beat.SolarSchedule):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(model)


if not admin.site.is_registered(RoutingRule):

    @admin.register(RoutingRule)
    class RoutingRuleAdmin(admin.ModelAdmin):
        """Every instance's rules in one list: which agent answers where."""

        list_display = ("instance", "context", "agent")
        list_filter = ("context", "instance", "agent")
        search_fields = ("instance__name", "agent__name")
        list_select_related = ("instance", "agent")

        def get_form(self, request, obj=None, **kwargs):  # noqa: ANN001, ANN201 - Django's signature
            from routing.admin import RoutingRuleForm

            class Form(RoutingRuleForm):
                class Meta(RoutingRuleForm.Meta):
                    fields = ("instance", "context", "agent")

            kwargs["form"] = Form
            return super().get_form(request, obj, **kwargs)
