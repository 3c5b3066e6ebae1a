from django.urls import path

from riverchief.core import views_calendar

app_name = "calendar"

urlpatterns = [
    path("", views_calendar.year_view, name="year"),
    path("day/", views_calendar.set_day, name="set_day"),
    path("year/", views_calendar.enter_year, name="enter_year"),
]
