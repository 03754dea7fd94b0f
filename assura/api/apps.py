from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "assura.api"
    label = "api"
    verbose_name = "API"
