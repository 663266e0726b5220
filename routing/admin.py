"""Admin for channel instances (with their routing rules inline), schedules and sessions, plus gateway.yaml
import (with a dry-run preview) and export. It lives in routing because routing rules join instances to agents."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join

from agents_app.admin import AgentAdmin, AgentForm
from agents_app.models import Agent
from channels_app.models import ChannelInstance
from channels_app.platforms import PLATFORMS
from console_app.tools_field import ToolsFormMixin
from gatewaysite.secret_fields import CredentialsField, keep_masked
from gatewaysite.secrets import MASK, resolve_secret
from routing.admin_channel_control import CONTROL_ACTIONS
from routing.admin_channel_control import receives as receives_text
from routing.hooks import admin as hooks_admin  # noqa: F401 - registers the Hook admin
from routing.models import RoutingRule, Schedule, ScheduleRun, Session
from routing.schedules.admin_actions import run_schedules_now
from routing.yaml_config.exporter import export_gateway_yaml
from routing.yaml_config.importer import import_gateway_yaml
from routing.yaml_config.issues import ConfigError
from routing.yaml_config.validate import field_of, validate_agent_fields, validate_channel_fields

ALL_SECRET_KEYS = {key for spec in PLATFORMS.values() for key in spec.secret_keys}


def yaml_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description="Export selected as gateway.yaml")
def export_agents(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Agent]) -> HttpResponse:
    export = export_gateway_yaml(agents=list(queryset.values_list("name", flat=True)))
    return yaml_download(export.as_yaml(), "agents.yaml")


@admin.action(description="Export selected as gateway.yaml")
def export_channels(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ChannelInstance]
) -> HttpResponse:
    export = export_gateway_yaml(channels=list(queryset.values_list("name", flat=True)))
    return yaml_download(export.as_yaml(), "channels.yaml")


class ValidatedAgentForm(ToolsFormMixin, AgentForm):
    """The agent form plus the configuration layer's checks (unknown tools, types), same wording as the importer;
    tools as a multi-select of the registered tools."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.setup_tools()

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["tools"] = self.merged_tools(cleaned)
        name = cleaned.get("name") or self.instance.name or "agent"
        fields = {key: cleaned[key] for key in ("tools", "temperature") if cleaned.get(key) is not None}
        for issue in validate_agent_fields(name, fields):
            field = field_of(issue, f"agents.{name}")
            # On its own field the message stands alone: no YAML key path ("agents.x.temperature: …").
            self.add_error(
                field if field in self.fields else None, issue.message if field in self.fields else str(issue)
            )
        if not self.has_error("model") and not self.has_error("api_key"):
            from console_app.model_check import check_model

            check = check_model(
                cleaned.get("model") or "", base_url=cleaned.get("base_url") or "", api_key=cleaned.get("api_key") or ""
            )
            for field, message in check.errors.items():
                self.add_error(field if field in self.fields else None, message)
            self.model_warnings = check.warnings
        return cleaned


admin.site.unregister(Agent)


@admin.register(Agent)
class GatewayAgentAdmin(AgentAdmin):
    form = ValidatedAgentForm
    actions = [export_agents]
    change_form_template = "admin/agents_app/agent/change_form.html"

    def save_model(self, request: HttpRequest, obj: Agent, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for warning in getattr(form, "model_warnings", []):
            messages.warning(request, warning)
        if not obj.enabled:
            routed = [str(rule) for rule in obj.routing_rules.select_related("instance")]
            scheduled = list(obj.schedules.filter(enabled=True).values_list("name", flat=True))
            if routed or scheduled:
                where = ", ".join(routed + [f"schedule {name}" for name in scheduled])
                messages.warning(
                    request, f"'{obj.name}' is disabled but still routed to ({where}): those messages get no answer."
                )

    def get_urls(self) -> list[URLPattern]:
        from console_app.agent_test import test_agent_view

        view = self.admin_site.admin_view(lambda request, object_id: test_agent_view(self, request, object_id))
        return [path("<path:object_id>/test/", view, name="agents_app_agent_test"), *super().get_urls()]


class ChannelInstanceForm(forms.ModelForm):
    """Credentials as masked `key: value` lines, checked by the same rules as gateway.yaml."""

    credentials = CredentialsField(
        ALL_SECRET_KEYS,
        required=False,
        help_text="One 'key: value' per line; ${VAR} references are kept as written. A masked value "
        f"({MASK}) stays as stored.",
    )

    class Meta:
        model = ChannelInstance
        fields = ("name", "platform", "credentials", "options", "api_base_url", "enabled", "paused")

    def clean_credentials(self) -> dict[str, str]:
        submitted = self.cleaned_data.get("credentials") or {}
        stored = self.instance.credentials if self.instance.pk else {}
        return {key: keep_masked(value, stored.get(key, "")) for key, value in submitted.items()}

    def clean(self) -> dict:
        cleaned = super().clean()
        name, platform = cleaned.get("name"), cleaned.get("platform")
        if not name or not platform:
            return cleaned
        issues = validate_channel_fields(
            name, platform, cleaned.get("credentials") or {}, cleaned.get("options") or {}, cleaned.get("api_base_url")
        )
        spec = PLATFORMS[platform]
        for issue in issues:
            key = field_of(issue, f"channels.{name}")
            # An unknown key (a typo) belongs where the operator typed it: options or credentials.
            if key in spec.option_keys or (key in (cleaned.get("options") or {}) and key not in spec.credential_keys):
                field = "options"
            elif key in ("platform", "api_base_url"):
                field = key
            else:
                field = "credentials"
            message = str(issue).removeprefix(f"channels.{name}.").removeprefix(f"channels.{name}: ")
            self.add_error(field, message)
        return cleaned


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ("context", "agent")

    def clean_agent(self) -> Agent:
        agent = self.cleaned_data["agent"]
        if agent and not agent.enabled:
            raise forms.ValidationError(f"agent '{agent.name}' is disabled")
        return agent


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    form = RoutingRuleForm
    extra = 1
    max_num = 4


@admin.register(ChannelInstance)
class ChannelInstanceAdmin(admin.ModelAdmin):
    form = ChannelInstanceForm
    inlines = [RoutingRuleInline]
    list_display = ("name", "platform", "enabled", "paused", "routes", "credential_status", "last_error")
    list_filter = ("platform", "enabled", "paused")
    search_fields = ("name",)
    readonly_fields = ("webhook_url", "health", "receives", "last_error", "last_error_at", "created_at", "updated_at")
    actions = [export_channels, *CONTROL_ACTIONS]

    @admin.display(description="receives by")
    def receives(self, obj: ChannelInstance) -> str:
        """Webhook, long polling, socket…: how the instance receives messages and why (as /health says)."""
        return receives_text(obj)

    def get_form(self, request: HttpRequest, obj: ChannelInstance | None = None, **kwargs: object) -> type:
        self._request = request  # webhook_url needs the host the operator reached us on
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:  # "<name>" in the model's help text would be eaten as an HTML tag
            form.base_fields["name"].help_text = "Instance name; its webhook is shown below once saved."
        return form

    @admin.display(description="webhook URL")
    def webhook_url(self, obj: ChannelInstance) -> str:
        """Where the platform must deliver (with a copy button); listeners need none."""
        if not obj.pk:
            return "shown once the instance is saved"
        request = getattr(self, "_request", None)
        path = f"/webhooks/{obj.name}/"
        url = request.build_absolute_uri(path) if request is not None else path
        return format_html(
            '<input type="text" readonly value="{}" id="webhook-url" size="60" onclick="this.select()"> '
            '<button type="button" class="button" id="copy-webhook-url" '
            "onclick=\"navigator.clipboard.writeText(document.getElementById('webhook-url').value);"
            "this.textContent='Copied'\">Copy</button>",
            url,
        )

    @admin.display(description="health")
    def health(self, obj: ChannelInstance) -> str:
        """The same state and reason the dashboard and /health show (channels_app.health)."""
        from channels_app.health import instance_states

        state = next((s for s in instance_states() if s.name == obj.name), None)
        if state is None:
            return "-"
        return f"{state.state}: {state.reason}" if state.reason else state.state

    change_list_template = "admin/routing/channelinstance/change_list.html"

    @admin.display(description="routing")
    def routes(self, obj: ChannelInstance) -> str:
        return ", ".join(f"{rule.context}→{rule.agent.name}" for rule in obj.routing_rules.select_related("agent"))

    @admin.display(description="credentials")
    def credential_status(self, obj: ChannelInstance) -> str:
        return format_html_join(
            " ",
            "<span title='{}'>{} {}</span>",
            (
                (
                    "resolves" if resolve_secret(value) else "not set",
                    key,
                    "✔" if resolve_secret(value) else "✘",
                )
                for key, value in obj.credentials.items()
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("import-yaml/", self.admin_site.admin_view(self.import_yaml_view), name="gateway_import_yaml"),
            path("export-yaml/", self.admin_site.admin_view(self.export_yaml_view), name="gateway_export_yaml"),
        ]
        return extra + super().get_urls()

    def export_yaml_view(self, request: HttpRequest) -> HttpResponse:
        """A page that says which variables the file needs (with whether each is set here) and downloads it."""
        export = export_gateway_yaml()
        text = export.as_yaml()
        if "download" in request.GET:
            return yaml_download(text, "gateway.yaml")
        from gatewaysite.secrets import referenced_variables, resolve_secret

        names = sorted(set(export.placeholders) | set(referenced_variables(text)))
        variables = [
            {
                "name": name,
                "stored_in_clear": name in export.placeholders,
                "set_here": bool(resolve_secret(f"${{{name}}}")),
            }
            for name in names
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Export gateway.yaml",
            "opts": self.model._meta,
            "variables": variables,
            "text": text,
        }
        return TemplateResponse(request, "admin/routing/export_yaml.html", context)

    def import_yaml_view(self, request: HttpRequest) -> HttpResponse:
        """Upload or paste gateway.yaml; "Preview" runs a dry run, "Import" applies it."""
        context = {**self.admin_site.each_context(request), "title": "Import gateway.yaml", "opts": self.model._meta}
        if request.method == "POST":
            upload = request.FILES.get("file")
            text = upload.read().decode("utf-8", errors="replace") if upload else request.POST.get("text", "")
            apply = "apply" in request.POST
            context["text"] = text
            try:
                report = import_gateway_yaml(text, dry_run=not apply, prune="prune" in request.POST)
            except ConfigError as exc:
                context["errors"] = [str(issue) for issue in exc.issues]
            else:
                context["report"] = report
                if apply:
                    messages.success(request, report.summary())
        return TemplateResponse(request, "admin/routing/import_yaml.html", context)


class ScheduleRunInline(admin.TabularInline):
    model = ScheduleRun
    extra = 0
    can_delete = False
    fields = ("due_at", "status", "started_at", "finished_at", "reply", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "schedule", "timezone", "next_run", "last_run", "agent", "instance", "enabled")
    list_filter = ("enabled", "agent", "instance")
    search_fields = ("name", "message")
    inlines = [ScheduleRunInline]
    actions = [run_schedules_now]
    readonly_fields = ("next_run", "last_run")
    change_form_template = "admin/routing/schedule/change_form.html"

    @admin.display(description="next run")
    def next_run(self, obj: Schedule) -> str:
        from routing.schedules.admin_page import next_run_text

        return next_run_text(obj)

    @admin.display(description="last run")
    def last_run(self, obj: Schedule) -> str:
        from routing.schedules.admin_page import last_run_text

        return last_run_text(obj)

    def save_model(self, request: HttpRequest, obj: Schedule, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from routing.schedules.admin_page import next_run_text

        upcoming = next_run_text(obj)
        if obj.enabled and upcoming.startswith("never"):
            messages.warning(request, f"'{obj.name}' will not fire: {upcoming}.")

    def has_run_now_permission(self, request: HttpRequest) -> bool:
        """Operators and admins (the routing.run_schedule_now permission of their role group)."""
        return request.user.has_perm("routing.run_schedule_now")

    def get_urls(self) -> list[URLPattern]:
        from routing.schedules.admin_page import run_now_view

        view = self.admin_site.admin_view(lambda request, object_id: run_now_view(self, request, object_id))
        return [path("<path:object_id>/run-now/", view, name="routing_schedule_run_now"), *super().get_urls()]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "instance", "agent", "last_activity_at", "closed_at")
    list_filter = ("kind", "instance", "agent")
    search_fields = ("key", "chat_id")
    readonly_fields = (
        "transcript",
        "key",
        "kind",
        "instance",
        "chat_id",
        "thread_id",
        "agent",
        "created_at",
        "last_activity_at",
    )
    # The conversation first; what the session is and its editable state below, the raw metadata folded away.
    fieldsets = (
        ("Transcript", {"fields": ("transcript",)}),
        (
            "Session",
            {
                "fields": (
                    "key",
                    "kind",
                    "instance",
                    "chat_id",
                    "thread_id",
                    "agent",
                    "created_at",
                    "last_activity_at",
                    "closed_at",
                )
            },
        ),
        ("Metadata", {"classes": ("collapse",), "fields": ("metadata",)}),
    )

    @admin.display(description="messages")
    def transcript(self, obj: Session) -> str:
        from routing.ui.sessions import transcript

        rows = transcript(obj) if obj.pk else []
        if not rows:
            return "No messages yet."
        return format_html(
            '<p><a href="/ops/sessions/{}/">Open on the operator page (live, takeover)</a></p><ol class="transcript">{}</ol>',
            obj.pk,
            format_html_join(
                "",
                '<li><strong>{}</strong> <span class="quiet">{}</span> {} <div style="white-space:pre-wrap">{}</div></li>',
                (
                    (
                        row["role"] + (f" ({row['by']})" if row["by"] else ""),
                        row["at"].strftime("%Y-%m-%d %H:%M:%S"),
                        format_html('<a href="/ops/traces/{}/">trace</a>', row["trace"]) if row["trace"] else "",
                        row["content"],
                    )
                    for row in rows
                ),
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
