from django.urls import path

from riverchief.portal import views, views_office

app_name = "portal"

urlpatterns = [
    path("", views.county, name="county"),
    path("map.geojson", views.map_data, name="map_data"),
    path("reaches/<str:code>", views.reach, name="reach"),
    path("report", views.report, name="report"),
    path("similar", views.similar, name="similar"),
    path("track", views.track_lookup, name="track_lookup"),
    path("track/<str:tracking_code>", views.track, name="track"),
    path("track/<str:tracking_code>/rate", views.rate, name="rate"),
    path("track/<str:tracking_code>/confirm", views.confirm, name="confirm"),
    path("photos/<str:token>", views.photo, name="photo"),
    path("language", views.language, name="language"),
    path("notices", views.notices, name="notices"),
    path("notices/<int:notice_id>", views.notice, name="notice"),
    path("office/notices", views_office.notice_list, name="office_notices"),
    path("office/notices/new", views_office.notice_edit, name="office_notice_new"),
    path("office/notices/<int:notice_id>", views_office.notice_edit, name="office_notice_edit"),
    path("office/reports", views_office.report_list, name="office_reports"),
]
