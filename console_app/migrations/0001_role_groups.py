# The three role groups (viewer, operator, admin) with their permissions, created once by this data migration.

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    # Permissions are normally created after migrate finishes; the groups need them now.
    for config in global_apps.get_app_configs():
        config.models_module = True
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
        config.models_module = None

    from console_app.roles import sync_role_groups

    sync_role_groups()


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["viewer", "operator", "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("agents_app", "0003_run_text_and_model_prices"),
        ("channels_app", "0002_inbound_pipeline_fields"),
        ("routing", "0001_initial"),
        ("realtime", "0001_initial"),
        ("listeners", "0001_initial"),
        ("api", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
