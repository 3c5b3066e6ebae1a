from django.urls import path

from riverchief.signboards import views

app_name = "signboards"

urlpatterns = [
    path("", views.board_list, name="list"),
    path("reaches/<str:code>.pdf", views.reach_pdf, name="reach_pdf"),
    path("reaches/<str:code>/put-up/", views.reach_put_up, name="reach_put_up"),
    path("townships/<str:code>.pdf", views.township_pdf, name="township_pdf"),
]
