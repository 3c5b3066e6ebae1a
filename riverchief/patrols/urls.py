from django.urls import path

from riverchief.patrols import views, views_go

app_name = "patrols"

urlpatterns = [
    path("", views.patrol_list, name="list"),
    path("go/", views_go.go, name="go"),
    path("go/sw.js", views_go.worker, name="worker"),
    path("go/manifest.webmanifest", views_go.manifest, name="manifest"),
    path("compliance/", views.compliance, name="compliance"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approval/", views.approval, name="approval"),
]
