from django.urls import path

from riverchief.problems import views_notices

app_name = "problem_notices"

urlpatterns = [
    path("", views_notices.notice_list, name="list"),
]
