"""Open311 GeoReport v2 under /open311/v2/: every resource as .xml and .json."""

from django.urls import path, register_converter

from riverchief.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class CodeConverter:
    """A service code, request id or token: no dot, so the suffix stays the format."""

    regex = "[A-Za-z0-9_~-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")
register_converter(CodeConverter, "code")

app_name = "open311"

urlpatterns = [
    path("discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("services.<fmt:fmt>", views.services, name="services"),
    path("services/<code:code>.<fmt:fmt>", views.service_definition, name="service_definition"),
    # The PyPI `open311` client asks for the singular /service/{code}.xml (standards.md §1.7).
    path("service/<code:code>.<fmt:fmt>", views.service_definition, name="service_singular"),
    path("requests.<fmt:fmt>", views.requests, name="requests"),
    path("requests/<code:request_id>.<fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<code:token>.<fmt:fmt>", views.token, name="token"),
]
