from django.apps import AppConfig


class AccountsAppConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    verbose_name = "Accounts"
