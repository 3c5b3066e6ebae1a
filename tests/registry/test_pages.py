"""The registry pages: scoped lists with filters and htmx fragments, the 一河一档 reach page, edit
forms that save through the services with errors beside the field, documents, the one map."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from riverchief.registry import services
from riverchief.registry.models import ChiefAssignment, Document, Facility, Reach, WaterBody

# Inside the demo outlines of 东刘家村 (横水镇) and 陈村 (陈村镇).
LINE_DONGLIUJIA = {"type": "LineString", "coordinates": [[111.408, 35.515], [111.416, 35.518]]}
LINE_CHENCUN = {"type": "LineString", "coordinates": [[111.555, 35.380], [111.565, 35.388]]}


@pytest.fixture
def registry(db):
    """A river crossing two townships, a reach in each, facilities and a chief."""
    services.save_water_body(
        None, {"code": "T-WB", "name": "测试河", "kind": "river", "division_code": "140826"}
    )
    services.save_water_body(
        None,
        {
            "code": "T-WB-TRIB",
            "name": "测试支沟",
            "kind": "river",
            "division_code": "140826102",
            "parent_code": "T-WB",
        },
    )
    services.save_reach(
        None,
        {
            "code": "T-HS",
            "name": "测试河东刘家段",
            "water_body_code": "T-WB",
            "division_code": "140826101201",
            "start_description": "凤凰咀",
            "end_description": "村东桥",
            "start_chainage_m": 5000,
            "geometry": LINE_DONGLIUJIA,
        },
    )
    services.save_reach(
        None,
        {
            "code": "T-CC",
            "name": "测试河陈村段",
            "water_body_code": "T-WB",
            "division_code": "140826102201",
            "start_chainage_m": 0,
            "geometry": LINE_CHENCUN,
        },
    )
    services.save_facility(
        None,
        {
            "kind": "section",
            "code": "T-SEC",
            "name": "测试断面",
            "reach_code": "T-HS",
            "lon": 111.41,
            "lat": 35.516,
            "details": {
                "control_level": "county",
                "waterbody_type": "river",
                "target_class": "III",
            },
        },
    )
    services.save_facility(
        None,
        {
            "kind": "reservoir",
            "code": "T-RES-CC",
            "name": "测试水库",
            "division_code": "140826102201",
            "water_body_code": "T-WB",
            "lon": 111.56,
            "lat": 35.384,
            "details": {
                "scale": "small_1",
                "total_capacity": 120.5,
                "admin_person_name": "行政甲",
                "admin_person_phone": "13800000001",
                "technical_person_name": "技术乙",
                "patrol_person_name": "巡查丙",
            },
        },
    )
    services.assign_person(
        None,
        {
            "person_name": "老河长",
            "person_phone": "13900000000",
            "role": "河长",
            "level": "village",
            "reach_code": "T-HS",
            "contact_department_code": "140826-SLJ",
            "start_date": "2024-01-01",
        },
    )


def html(answer) -> str:
    assert answer.status_code == 200, answer.status_code
    return answer.content.decode()


# --- lists ------------------------------------------------------------------------------------


def test_reach_list_filters_by_township_level_water_body_and_text(signed_in, registry):
    client = signed_in("admin")
    page = html(client.get("/registry/reaches/?water_body=T-WB"))
    assert "T-HS" in page and "T-CC" in page
    assert "老河长" in page  # the chief now, beside the reach
    page = html(client.get("/registry/reaches/?water_body=T-WB&division=140826101"))
    assert "T-HS" in page and "T-CC" not in page
    page = html(client.get("/registry/reaches/?water_body=T-WB&level=township"))
    assert "T-HS" not in page and "T-CC" not in page
    page = html(client.get("/registry/reaches/?q=陈村段"))
    assert "T-CC" in page and "T-HS" not in page


def test_a_filter_through_htmx_answers_only_the_rows(signed_in, registry):
    answer = signed_in("admin").get("/registry/reaches/?q=T-HS", HTTP_HX_REQUEST="true")
    page = html(answer)
    assert "<html" not in page and '<nav class="navbar' not in page
    assert 'data-testid="rows"' in page and "T-HS" in page
    assert "HX-Request" in answer["Vary"]
    full = html(signed_in("admin").get("/registry/reaches/?q=T-HS"))
    assert "<html" in full and 'id="rows"' in full


def test_a_township_chief_sees_only_their_township(signed_in, registry):
    client = signed_in("chief_hengshui")
    page = html(client.get("/registry/reaches/?water_body=T-WB"))
    assert "T-HS" in page and "T-CC" not in page
    page = html(client.get("/registry/facilities/"))
    assert "T-SEC" in page and "T-RES-CC" not in page
    assert client.get("/registry/reaches/T-CC/").status_code == 404
    assert client.get("/registry/facilities/T-RES-CC/").status_code == 404
    # The river itself is visible (a reach of it lies in 横水镇), its 陈村 reach is not.
    page = html(client.get("/registry/waterbodies/T-WB/"))
    assert "T-HS" in page and "T-CC" not in page and "T-RES-CC" not in page
    page = html(client.get("/registry/chiefs/?q=老河长"))
    assert "老河长" in page
    rows = signed_in("chief_chencun").get("/registry/chiefs/?q=老河长", HTTP_HX_REQUEST="true")
    assert "老河长" not in html(rows)


def test_facility_list_has_a_tab_per_kind_and_kind_columns(signed_in, registry):
    client = signed_in("admin")
    page = html(client.get("/registry/facilities/?q=T-"))
    for label in ("水库", "淤地坝", "水闸", "入河排污口", "取水口", "监测断面", "河长公示牌"):
        assert label in page, label
    assert "T-SEC" in page and "T-RES-CC" in page
    page = html(client.get("/registry/facilities/?q=T-&kind=reservoir"))
    assert "T-RES-CC" in page and "T-SEC" not in page
    assert "规模" in page and "小(1)型" in page and "120.5 万m³" in page
    page = html(client.get("/registry/facilities/?q=T-&division=140826101"))
    assert "T-SEC" in page and "T-RES-CC" not in page


def test_water_body_list_filters_by_division_through_its_reaches(signed_in, registry):
    client = signed_in("admin")
    page = html(client.get("/registry/waterbodies/?q=T-WB&division=140826101"))
    assert "T-WB" in page and "T-WB-TRIB" not in page  # the tributary lies in 陈村镇 only
    page = html(client.get("/registry/waterbodies/?q=T-WB&division=140826102"))
    assert "T-WB-TRIB" in page


def test_chief_list_separates_office_holders_from_history(signed_in, registry):
    services.assign_person(
        None,
        {"person_name": "新河长", "role": "河长", "level": "village", "reach_code": "T-HS"},
    )
    client = signed_in("admin")
    active = html(client.get("/registry/chiefs/?q=河长&division=140826101201"))
    assert "新河长" in active and "老河长" not in active
    history = html(client.get("/registry/chiefs/?q=河长&status=history"))
    assert "老河长" in history and "新河长" not in history


# --- detail pages -----------------------------------------------------------------------------


def test_the_reach_page_is_its_archive(signed_in, registry):
    services.save_facility(
        None,
        {
            "kind": "signboard",
            "code": "T-SIGN",
            "name": "测试公示牌",
            "reach_code": "T-HS",
            "lon": 111.409,
            "lat": 35.5155,
            "details": {"last_updated": "2023-06-01"},
        },
    )
    page = html(signed_in("chief_dongliujia").get("/registry/reaches/T-HS/"))
    for text in ("测试河", "东刘家村", "凤凰咀", "村东桥", "老河长", "13900000000", "绛县水利局"):
        assert text in page, text
    assert re.search(r'data-testid="length">\s*0\.\d\d', page)  # km, from the geometry
    assert "T-SEC" in page and "T-SIGN" in page
    assert 'data-testid="outdated"' in page  # the chief changed after the board's last update
    assert 'id="reach-map"' in page and 'data-minimap="reach-map"' in page
    assert "/static/registry/minimap.js" in page
    assert 'data-testid="edit"' not in page and 'data-testid="upload-form"' not in page


def test_the_water_body_page_orders_reaches_from_the_source(signed_in, registry):
    page = html(signed_in("admin").get("/registry/waterbodies/T-WB/"))
    assert page.index("T-CC") < page.index("T-HS")  # chainage 0 before 5000
    assert "测试支沟" in page  # a tributary
    assert "T-RES-CC" in page
    assert 'data-testid="edit"' in page


def test_the_facility_page_shows_its_kinds_fields_and_responsible_persons(signed_in, registry):
    page = html(signed_in("admin").get("/registry/facilities/T-RES-CC/"))
    assert "规模" in page and "小(1)型" in page
    assert "总库容" in page and "120.5 万m³" in page
    persons = page[page.index('data-testid="persons"') :]
    for text in ("行政责任人", "行政甲", "13800000001", "技术责任人", "技术乙", "巡查责任人"):
        assert text in persons, text


# --- edit forms -------------------------------------------------------------------------------


def reach_form(**changes) -> dict:
    data = {
        "name": "测试河东刘家段",
        "water_body_code": "T-WB",
        "division_code": "140826101201",
        "level": "",
        "start_description": "凤凰咀",
        "end_description": "村东桥",
        "start_chainage_m": "5000",
        "length_m": "",
        "geometry": json.dumps(LINE_DONGLIUJIA),
    }
    data.update(changes)
    return data


def test_an_office_admin_edits_a_reach_through_the_form(signed_in, registry):
    client = signed_in("admin")
    assert 'name="geometry"' in html(client.get("/registry/reaches/T-HS/edit/"))
    answer = client.post("/registry/reaches/T-HS/edit/", reach_form(end_description="新桥"))
    assert answer.status_code == 302
    assert answer["Location"] == "/registry/reaches/T-HS/"
    reach = Reach.objects.get(code="T-HS")
    assert reach.end_description == "新桥" and reach.start_chainage_m == 5000


def test_a_refused_edit_shows_the_reason_beside_the_field(signed_in, registry):
    client = signed_in("admin")
    page = html(client.post("/registry/reaches/T-HS/edit/", reach_form(level="county")))
    error = re.search(r'data-testid="error-level">([^<]+)<', page)
    assert error and "级" in error.group(1)  # the service's message, in Chinese
    page = html(client.post("/registry/reaches/T-HS/edit/", reach_form(geometry="[1, 2")))
    assert 'data-testid="error-geometry"' in page and "GeoJSON" in page
    page = html(client.post("/registry/reaches/T-HS/edit/", reach_form(start_chainage_m="-5")))
    assert 'data-testid="error-start_chainage_m"' in page
    assert Reach.objects.get(code="T-HS").level == "village"


def test_creating_a_facility_uses_the_fields_of_its_kind(signed_in, registry):
    client = signed_in("admin")
    form = html(client.get("/registry/facilities/new/?kind=reservoir&reach_code=T-HS"))
    assert "汛限水位" in form and "正常蓄水位" in form and 'value="T-HS"' in form
    data = {
        "code": "T-RES-NEW",
        "name": "新水库",
        "reach_code": "T-HS",
        "lon": "111.41",
        "lat": "35.516",
        "scale": "small_2",
        "flood_limit_level": "300",
        "normal_level": "290",
    }
    page = html(client.post("/registry/facilities/new/?kind=reservoir", data))
    assert 'data-testid="error-normal_level"' in page  # below the flood-limit level
    assert not Facility.objects.filter(code="T-RES-NEW").exists()
    data["normal_level"] = "305"
    answer = client.post("/registry/facilities/new/?kind=reservoir", data)
    assert answer.status_code == 302
    facility = Facility.objects.get(code="T-RES-NEW")
    assert facility.details["normal_level"] == 305 and facility.division.code == "140826101201"


def test_a_new_water_body_with_a_taken_code_is_refused_beside_the_code(signed_in, registry):
    client = signed_in("admin")
    data = {"code": "T-WB", "name": "重名", "kind": "river", "division_code": "140826"}
    page = html(client.post("/registry/waterbodies/new/", data))
    assert 'data-testid="error-code"' in page
    data["code"] = "T-WB-NEW"
    assert client.post("/registry/waterbodies/new/", data).status_code == 302
    assert WaterBody.objects.get(code="T-WB-NEW").name == "重名"


def test_editing_keeps_what_the_form_does_not_show(signed_in, registry):
    WaterBody.objects.filter(code="T-WB").update(is_demo=True)
    client = signed_in("admin")
    data = {"name": "改名河", "kind": "river", "division_code": "140826", "basin": "黄河"}
    assert client.post("/registry/waterbodies/T-WB/edit/", data).status_code == 302
    river = WaterBody.objects.get(code="T-WB")
    assert river.name == "改名河" and river.is_demo


def test_who_may_open_the_edit_pages(signed_in, registry):
    assert signed_in("chief_hengshui").get("/registry/reaches/T-HS/edit/").status_code == 403
    assert signed_in("leader").get("/registry/reaches/new/").status_code == 403
    assert signed_in("out_office").get("/registry/reaches/T-HS/edit/").status_code == 404
    assert signed_in("admin").get("/registry/reaches/new/").status_code == 200


def test_a_chief_change_through_the_form_moves_the_old_chief_to_history(signed_in, registry):
    client = signed_in("admin")
    form = html(client.get("/registry/reaches/T-HS/chiefs/new/"))
    assert 'name="start_date"' in form and "绛县水利局" in form
    answer = client.post(
        "/registry/reaches/T-HS/chiefs/new/",
        {
            "role": "河长",
            "level": "village",
            "person_name": "新河长",
            "person_phone": "13700000000",
            "contact_department_code": "140826-SLJ",
            "start_date": "2025-03-01",
        },
    )
    assert answer.status_code == 302 and answer["Location"].endswith(
        "/registry/reaches/T-HS/#chiefs"
    )
    page = html(client.get("/registry/reaches/T-HS/"))
    now = page[page.index('data-testid="chiefs-now"') : page.index('data-testid="chiefs-history"')]
    history = page[page.index('data-testid="chiefs-history"') :]
    assert "新河长" in now and "老河长" not in now
    assert "老河长" in history and "2024-01-01" in history and "2025-02-28" in history


def test_a_chief_change_starting_before_the_current_one_is_refused_inline(signed_in, registry):
    client = signed_in("admin")
    page = html(
        client.post(
            "/registry/reaches/T-HS/chiefs/new/",
            {
                "role": "河长",
                "level": "village",
                "person_name": "早到者",
                "start_date": "2023-01-01",
            },
        )
    )
    assert 'data-testid="error-start_date"' in page and "2024-01-01" in page
    page = html(
        client.post(
            "/registry/reaches/T-HS/chiefs/new/",
            {"role": "巡河员", "level": "village", "start_date": "2025-01-01"},
        )
    )
    assert 'data-testid="error-person_name"' in page


def test_ending_a_term_from_the_reach_page(signed_in, registry):
    assignment = ChiefAssignment.objects.get(reach__code="T-HS", person_name="老河长")
    client = signed_in("admin")
    answer = client.post(f"/registry/chiefs/{assignment.pk}/end/", {"end_date": "2025-06-30"})
    assert answer.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end_date == date(2025, 6, 30)
    assert (
        signed_in("chief_hengshui").post(f"/registry/chiefs/{assignment.pk}/end/").status_code
        == 403
    )
    assert signed_in("out_office").post(f"/registry/chiefs/{assignment.pk}/end/").status_code == 404


# --- documents --------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_document_is_uploaded_and_downloaded_only_inside_the_scope(signed_in, registry, media):
    admin = signed_in("admin")
    content = b"%PDF-1.4 one river one plan\n" * 100
    upload = SimpleUploadedFile("一河一策.pdf", content, content_type="application/pdf")
    answer = admin.post(
        "/registry/reaches/T-HS/documents/", {"kind": "plan", "title": "", "file": upload}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#documents")
    document = Document.objects.get(reach__code="T-HS")
    assert document.size == len(content) and document.title == "一河一策.pdf"
    page = html(signed_in("chief_dongliujia").get("/registry/reaches/T-HS/"))
    assert "一河一策.pdf" in page and re.search(r"2\.7\sKB", page)  # its size
    url = f"/registry/documents/{document.pk}/"
    assert url in page and "/media/" not in page
    answer = signed_in("chief_dongliujia").get(url)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == content
    assert "attachment" in answer["Content-Disposition"]
    for outsider in ("out_office", "out_chief_village", "chief_chencun"):  # 陈村镇 is not 横水镇
        assert signed_in(outsider).get(url).status_code == 404, outsider
    assert admin.get(url.replace(f"/{document.pk}/", "/999999/")).status_code == 404
    assert admin.get("/media/" + document.file.name).status_code == 404


def test_an_upload_of_a_refused_type_shows_the_reason_beside_the_file(signed_in, registry, media):
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    page = html(
        signed_in("admin").post(
            "/registry/waterbodies/T-WB/documents/", {"kind": "other", "file": upload}
        )
    )
    assert 'data-testid="error-file"' in page and ".pdf" in page
    assert not Document.objects.filter(water_body__code="T-WB").exists()
    upload = SimpleUploadedFile("plan.pdf", b"%PDF", content_type="application/pdf")
    answer = signed_in("chief_hengshui").post(
        "/registry/reaches/T-HS/documents/", {"kind": "plan", "file": upload}
    )
    assert answer.status_code == 403


# --- the one map ------------------------------------------------------------------------------


def map_config(page: str) -> dict:
    found = re.search(r'<script id="onemap-config" type="application/json">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


def test_the_one_map_page_configures_every_layer_and_the_scope_bounds(signed_in, registry):
    page = html(signed_in("chief_dongliujia").get("/registry/map/"))
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/registry/onemap.js" in page
    config = map_config(page)
    layers = [layer["name"] for layer in config["layers"]]
    assert layers[:3] == ["divisions", "waterbodies", "reaches"] and "signboards" in layers
    assert config["api"] == "/api/v1/map/LAYER.geojson"
    assert config["tiles"]["url"] == ""  # no tiles configured: vector layers only
    (south, west), (north, east) = config["bounds"]
    assert 111.38 <= west < east <= 111.43 and 35.47 <= south < north <= 35.53  # 东刘家村


def test_the_one_map_uses_configured_tiles(signed_in, settings, registry):
    settings.RIVERCHIEF_MAP_TILE_URL = "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY"
    settings.RIVERCHIEF_MAP_TILE_SUBDOMAINS = "01234567"
    settings.RIVERCHIEF_MAP_TILE_ATTRIBUTION = "天地图"
    config = map_config(html(signed_in("admin").get("/registry/map/")))
    assert config["tiles"]["url"].startswith("https://t{s}.tianditu.gov.cn/")
    assert config["tiles"]["subdomains"] == "01234567"
    assert config["tiles"]["attribution"] == "天地图"


def test_the_navigation_leads_to_the_registry_pages(signed_in, registry):
    page = html(signed_in("patroller_dongliujia").get("/"))
    for url in ("/registry/waterbodies/", "/registry/reaches/", "/registry/facilities/"):
        assert f'href="{url}"' in page, url
    assert 'href="/registry/chiefs/"' in page and 'href="/registry/map/"' in page
