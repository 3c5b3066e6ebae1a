from django.urls import path

from riverchief.problems import views, views_actions, views_detail, views_report

app_name = "problems"

# Fixed paths come before "<str:ref>/": no problem number is "todo", "new" or the like.
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("export.xlsx", views.problem_export, name="export"),
    path("todo/", views.todo, name="todo"),
    path("new/", views_report.report, name="new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("batch-assign/", views_actions.batch_assign, name="batch_assign"),
    path("<str:ref>/", views_detail.detail, name="detail"),
    path("<str:ref>/act/", views_actions.act, name="act"),
]
