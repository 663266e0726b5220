"""Serializers for what an operator configures: agents, guardrails, channel instances, routing rules, schedules,
the provider fallback and the gateway settings. Field checks beyond types come from the shared validation layer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents_app.models import Agent, Guardrail, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from routing.api import validation
from routing.api.serializers.fields import NameField, SecretDictField, SecretField, merge_masked
from routing.models import RoutingRule, Schedule, ScheduleRun


class AgentSerializer(serializers.ModelSerializer):
    """An agent; `api_key` is write-only in clear and read back masked."""

    api_key = SecretField(max_length=500, help_text="API key or a ${VAR} reference; read back masked.")

    class Meta:
        model = Agent
        fields = [
            "name",
            "instructions",
            "model",
            "temperature",
            "tools",
            "memory",
            "base_url",
            "api_key",
            "enabled",
            "delegates",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validation.check_agent(self.instance, attrs)
        validation.check_delegates(self.instance, attrs)
        return attrs


class GuardrailSerializer(serializers.ModelSerializer):
    """A guardrail; `agent` is the agent's name, null for every agent."""

    agent = NameField(allow_null=True, required=False, help_text="Agent name; null applies to every agent.")

    class Meta:
        model = Guardrail
        fields = ["name", "description", "agent", "enabled"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        agent = validation.check_guardrail(self.instance, attrs)
        if "agent" in attrs:
            attrs["agent"] = agent
        return attrs


class ChannelInstanceSerializer(serializers.ModelSerializer):
    """A channel instance; credentials are written in clear and read back masked (${VAR} references shown)."""

    credentials = SecretDictField(help_text="Credential key → value or ${VAR}; read back masked.")
    options = serializers.DictField(required=False, help_text="Non-secret platform options (mode, group_policy…).")
    routing = serializers.SerializerMethodField(help_text="Context → agent name, from the instance's routing rules.")

    class Meta:
        model = ChannelInstance
        fields = [
            "name",
            "platform",
            "credentials",
            "options",
            "api_base_url",
            "enabled",
            "routing",
            "last_error",
            "last_error_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_error", "last_error_at", "created_at", "updated_at"]

    def to_representation(self, instance: ChannelInstance) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Every value was masked by the field (fail closed); the platform's non-secret keys are shown in clear.
        spec = instance.spec
        public = set(spec.credential_keys) - spec.secret_keys if spec else set()
        for key in public & set(instance.credentials or {}):
            data["credentials"][key] = instance.credentials[key]
        return data

    def get_routing(self, obj: ChannelInstance) -> dict[str, str]:
        return {rule.context: rule.agent.name for rule in obj.routing_rules.select_related("agent")}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "credentials" in attrs:
            old = dict(self.instance.credentials) if self.instance else {}
            attrs["credentials"] = merge_masked(attrs["credentials"], old)
        validation.check_channel(self.instance, attrs)
        return attrs


class RoutingRuleSerializer(serializers.ModelSerializer):
    """Which agent answers on an instance in one context; instance and agent by name."""

    instance = serializers.SlugRelatedField(slug_field="name", queryset=ChannelInstance.objects.all())
    agent = NameField(help_text="Agent name.")

    class Meta:
        model = RoutingRule
        fields = ["id", "instance", "context", "agent"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        values = validation.merged(self.instance, attrs, ["instance", "context", "agent"])
        if "agent" in attrs or self.instance is None:
            agent = values.get("agent")
            values["agent_name"] = agent.name if isinstance(agent, Agent) else agent
            attrs["agent"] = validation.check_routing_agent(values)
        return attrs


class ScheduleSerializer(serializers.ModelSerializer):
    """A schedule; `agent` and `channel` by name, like in gateway.yaml."""

    agent = NameField(help_text="Agent name.")
    channel = NameField(source="instance", help_text="Channel instance name.")

    class Meta:
        model = Schedule
        fields = [
            "name",
            "schedule",
            "message",
            "agent",
            "channel",
            "channel_id",
            "thread_id",
            "timezone",
            "missed_run_policy",
            "enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        agent, instance = validation.check_schedule(self.instance, attrs)
        attrs["agent"], attrs["instance"] = agent, instance
        return attrs


class ScheduleRunSerializer(serializers.ModelSerializer):
    """One firing of a schedule."""

    class Meta:
        model = ScheduleRun
        fields = ["id", "due_at", "started_at", "finished_at", "status", "reply", "error"]
        read_only_fields = fields


class ProviderSettingsSerializer(serializers.ModelSerializer):
    """The provider fallback model."""

    class Meta:
        model = ProviderSettings
        fields = ["model"]


class GatewaySettingsSerializer(serializers.ModelSerializer):
    """The gateway server settings; `auth_token` is read back masked."""

    auth_token = SecretField(max_length=500, help_text="Shared token or a ${VAR} reference; read back masked.")
    push_options = serializers.DictField(required=False, help_text="Push tuning (ack_timeout, max_retries…).")

    class Meta:
        model = GatewaySettings
        fields = validation.GATEWAY_FIELDS

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validation.check_gateway(self.instance, attrs)
        return attrs
