from django.urls import path

from riverchief.registry import edit_views, views, views_transfer

app_name = "registry"

# "new/" comes before "<str:code>/", so no registry code may be "new".
urlpatterns = [
    path("waterbodies/", views.water_body_list, name="waterbody_list"),
    path("waterbodies/new/", edit_views.water_body_edit, name="waterbody_create"),
    path("waterbodies/<str:code>/", views.water_body_detail, name="waterbody_detail"),
    path("waterbodies/<str:code>/edit/", edit_views.water_body_edit, name="waterbody_edit"),
    path(
        "waterbodies/<str:code>/documents/",
        edit_views.water_body_document_upload,
        name="waterbody_document_upload",
    ),
    path("reaches/", views.reach_list, name="reach_list"),
    path("reaches/new/", edit_views.reach_edit, name="reach_create"),
    path("reaches/<str:code>/", views.reach_detail, name="reach_detail"),
    path("reaches/<str:code>/edit/", edit_views.reach_edit, name="reach_edit"),
    path("reaches/<str:code>/chiefs/new/", edit_views.reach_assign, name="reach_assign"),
    path(
        "reaches/<str:code>/documents/",
        edit_views.reach_document_upload,
        name="reach_document_upload",
    ),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/new/", edit_views.facility_edit, name="facility_create"),
    path("facilities/<str:code>/", views.facility_detail, name="facility_detail"),
    path("facilities/<str:code>/edit/", edit_views.facility_edit, name="facility_edit"),
    path("chiefs/", views.assignment_list, name="assignment_list"),
    path("chiefs/<int:pk>/end/", edit_views.assignment_end, name="assignment_end"),
    path("documents/<int:pk>/", edit_views.document_download, name="document_download"),
    path("map/", views.one_map, name="map"),
    path("import/", views_transfer.import_page, name="import"),
    path("export.xlsx", views_transfer.export_workbook, name="export_workbook"),
    path("template.xlsx", views_transfer.template_workbook, name="template_workbook"),
]
