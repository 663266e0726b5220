"""Agents, guardrails and the provider fallback: what answers, and under which rules."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from gatewaysite.singleton import SingletonModel


class Agent(models.Model):
    """An AI worker: instructions, a model and tools. Routing rules and schedules point at agents by name."""

    name = models.SlugField(max_length=100, unique=True, help_text="Id used by routes, schedules and hello.agent_id.")
    instructions = models.TextField(blank=True, help_text="System prompt given to the model on every turn.")
    model = models.CharField(
        max_length=200,
        blank=True,
        help_text="Model id (gpt-4o-mini, claude-3-5-sonnet-…, ollama/llama3, echo). Empty: the provider fallback.",
    )
    temperature = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(2.0)],
        help_text="Sampling temperature, 0–2. Empty: the provider's default.",
    )
    tools = models.JSONField(
        default=list, blank=True, help_text="Tool names (search_web, get_weather, or dotted paths)."
    )
    memory = models.BooleanField(
        default=False, help_text="Send the session's history to the model (otherwise each message stands alone)."
    )
    base_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="OpenAI-compatible endpoint (Ollama, vLLM, LM Studio…). Empty: provider default.",
    )
    api_key = models.CharField(
        max_length=500, blank=True, help_text="API key or a ${VAR} reference. Empty: the provider's usual variable."
    )
    enabled = models.BooleanField(default=True, help_text="A disabled agent answers nothing and cannot be routed to.")
    delegates = models.JSONField(
        default=list,
        blank=True,
        help_text="Other agents this one may hand tasks to; its model calls each as a tool (ask_<name>).",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the agent was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the agent was last changed.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Guardrail(models.Model):
    """A rule the agent must follow, added to its instructions and checked against every answer before delivery."""

    name = models.SlugField(max_length=100, unique=True, help_text="Registry id of the guardrail.")
    description = models.TextField(help_text='The rule, in plain words ("Never reveal system prompts").')
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guardrails",
        help_text="Agent the rule applies to. Empty: every agent.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled rules are neither added nor checked.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        scope = self.agent.name if self.agent_id else "all agents"
        return f"{self.name} ({scope})"


class ProviderSettings(SingletonModel):
    """Provider-wide defaults: the fallback model for agents without one."""

    model = models.CharField(
        max_length=200, blank=True, help_text="Fallback model for agents that have none (provider.model in YAML)."
    )

    class Meta:
        verbose_name = "provider settings"
        verbose_name_plural = "provider settings"

    def __str__(self) -> str:
        return f"Provider fallback: {self.model or '(none)'}"


class AgentRun(models.Model):
    """One answered (or failed) message: which model ran, the tokens it used, the tools it called, how it ended.

    Written by the runtime after every run, so usage and failures can be audited per agent.
    """

    class Status(models.TextChoices):
        OK = "ok", "answered"
        REFUSED = "refused", "refused by a guardrail"
        ERROR = "error", "failed"

    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        help_text="Agent that ran (empty when it was deleted or was a transient fallback agent).",
    )
    agent_name = models.CharField(max_length=100, blank=True, help_text="Agent name at the time of the run.")
    model = models.CharField(max_length=200, blank=True, help_text="Model name sent to the provider.")
    provider = models.CharField(max_length=50, blank=True, help_text="openai, openai-compatible, anthropic or offline.")
    status = models.CharField(max_length=16, choices=Status.choices, help_text="How the run ended.")
    error = models.TextField(blank=True, help_text="Why the run failed (no secrets).")
    prompt_tokens = models.PositiveIntegerField(default=0, help_text="Input tokens over every model call of the run.")
    completion_tokens = models.PositiveIntegerField(default=0, help_text="Output tokens over every model call.")
    model_calls = models.PositiveIntegerField(default=0, help_text="Model calls made (answers, tool steps, judges).")
    tool_calls = models.JSONField(default=list, blank=True, help_text="Tools called: name, arguments, error flag.")
    duration_ms = models.PositiveIntegerField(default=0, help_text="Wall time of the run in milliseconds.")
    context = models.JSONField(default=dict, blank=True, help_text="Caller context (session, channel, source).")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The run that delegated this one (a coordinator's ask_<agent> tool call).",
    )
    input_text = models.TextField(blank=True, help_text="The message the agent answered (as the model saw it).")
    output_text = models.TextField(blank=True, help_text="The answer it produced (after guardrails).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When the run finished.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agent_name} {self.status} ({self.prompt_tokens}+{self.completion_tokens} tokens)"


class GuardrailVerdict(models.Model):
    """A judge's pass/fail on one guardrail for one answer attempt, with its reason: the audit trail of guardrails."""

    class Verdict(models.TextChoices):
        PASS = "pass", "pass"
        FAIL = "fail", "fail"

    run = models.ForeignKey(
        AgentRun,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guardrail_verdicts",
        help_text="The run this verdict belongs to.",
    )
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardrail_verdicts",
        help_text="Agent whose answer was judged.",
    )
    agent_name = models.CharField(max_length=100, blank=True, help_text="Agent name at the time of the verdict.")
    guardrail = models.ForeignKey(
        Guardrail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verdicts",
        help_text="The guardrail judged (empty when it was deleted since).",
    )
    guardrail_name = models.CharField(max_length=100, help_text="Guardrail name at the time of the verdict.")
    verdict = models.CharField(max_length=4, choices=Verdict.choices, help_text="pass or fail.")
    reason = models.TextField(blank=True, help_text="The judge's reason.")
    attempt = models.PositiveSmallIntegerField(default=1, help_text="1 = first answer, 2 = retry after feedback.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When the verdict was given.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agent_name}/{self.guardrail_name}: {self.verdict} (attempt {self.attempt})"


class ModelPrice(models.Model):
    """What a model costs per million tokens, so traces and runs can show a cost; edited in the admin.

    `model` matches a run's model exactly, or as a prefix when it ends with `*` (``gpt-4o*``); the longest match
    wins."""

    model = models.CharField(
        max_length=200, unique=True, help_text="Model name as runs record it, or a prefix ending in * (gpt-4o*)."
    )
    input_per_million = models.DecimalField(
        max_digits=12, decimal_places=4, default=0, help_text="Price of one million input (prompt) tokens."
    )
    output_per_million = models.DecimalField(
        max_digits=12, decimal_places=4, default=0, help_text="Price of one million output (completion) tokens."
    )
    currency = models.CharField(max_length=8, default="USD", help_text="Currency of the prices.")

    class Meta:
        ordering = ["model"]
        verbose_name = "model price"

    def __str__(self) -> str:
        return f"{self.model}: {self.input_per_million}/{self.output_per_million} {self.currency} per 1M tokens"


from agents_app.mcp.models import McpServer  # noqa: E402, F401 - MCP servers live with their client
