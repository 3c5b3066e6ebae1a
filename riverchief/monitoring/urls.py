from django.urls import path

from riverchief.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sections/<str:code>/", views.section_page, name="section"),
    path("monthly/", views.monthly, name="monthly"),
    path("monthly.xlsx", views.monthly_export, name="monthly_export"),
    path("rivers/", views.rivers, name="rivers"),
    path("lakes/", views.lakes, name="lakes"),
    path("alarms/", views.alarm_list, name="alarms"),
    path("import/", views.import_page, name="import"),
]
