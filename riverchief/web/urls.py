from django.urls import path

from riverchief.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("divisions/", views.division_list, name="division_list"),
    path("divisions/<str:code>/", views.division_detail, name="division_detail"),
    path("users/", views.user_list, name="user_list"),
    path("audit/", views.audit_list, name="audit_list"),
]
