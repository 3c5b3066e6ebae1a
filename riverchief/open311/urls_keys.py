"""The office's page for Open311 API keys, under /open311/keys/."""

from django.urls import path

from riverchief.open311 import views_keys

app_name = "open311_keys"

urlpatterns = [
    path("", views_keys.key_list, name="keys"),
    path("<int:key_id>/revoke/", views_keys.key_revoke, name="revoke"),
]
