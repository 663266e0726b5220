# Agent runs keep the message and the answer (for traces); a per-model price table gives each run a cost.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents_app", "0002_agentrun_guardrailverdict"),
    ]

    operations = [
        migrations.AddField(
            model_name="agentrun",
            name="input_text",
            field=models.TextField(blank=True, help_text="The message the agent answered (as the model saw it)."),
        ),
        migrations.AddField(
            model_name="agentrun",
            name="output_text",
            field=models.TextField(blank=True, help_text="The answer it produced (after guardrails)."),
        ),
        migrations.CreateModel(
            name="ModelPrice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "model",
                    models.CharField(
                        help_text="Model name as runs record it, or a prefix ending in * (gpt-4o*).",
                        max_length=200,
                        unique=True,
                    ),
                ),
                (
                    "input_per_million",
                    models.DecimalField(
                        decimal_places=4,
                        default=0,
                        help_text="Price of one million input (prompt) tokens.",
                        max_digits=12,
                    ),
                ),
                (
                    "output_per_million",
                    models.DecimalField(
                        decimal_places=4,
                        default=0,
                        help_text="Price of one million output (completion) tokens.",
                        max_digits=12,
                    ),
                ),
                ("currency", models.CharField(default="USD", help_text="Currency of the prices.", max_length=8)),
            ],
            options={"verbose_name": "model price", "ordering": ["model"]},
        ),
    ]
