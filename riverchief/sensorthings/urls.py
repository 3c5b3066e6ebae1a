"""OGC SensorThings API 1.1 under /sta/v1.1/ (contract.md)."""

from django.urls import path

from riverchief.sensorthings import views

urlpatterns = [
    path("", views.root, name="sta-root"),
    path("CreateObservations", views.create_observations, name="sta-create-observations"),
    path("<path:path>", views.resource, name="sta-resource"),
]
