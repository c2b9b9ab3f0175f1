from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo personas and history (seed_demo) and benchmark data (generate_load): installed
    by `make run`, the tests and the benches (CARM_DEMO=true), never in production."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo"
