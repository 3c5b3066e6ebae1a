/* Small maps on the registry's detail and edit pages: the object's geometry with its related
 * rows, or a live preview of the GeoJSON typed into a form. Base tiles only when configured. */
(function () {
  "use strict";
  if (!window.L) {
    return;
  }

  var MAIN = { color: "#08519c", weight: 5, opacity: 0.9, fillColor: "#6baed6", fillOpacity: 0.3 };
  var OTHER = { color: "#6baed6", weight: 3, opacity: 0.9, fillColor: "#c6dbef", fillOpacity: 0.2 };

  function asFeatures(data) {
    if (!data || typeof data !== "object") {
      throw new Error("not GeoJSON");
    }
    if (data.type === "FeatureCollection") {
      return data.features || [];
    }
    if (data.type === "Feature") {
      return [data];
    }
    return [{ type: "Feature", geometry: data, properties: { role: "main" } }];
  }

  function isMain(feature) {
    return !feature.properties || feature.properties.role !== "other";
  }

  function setUp(element) {
    var id = element.getAttribute("data-minimap");
    var config = JSON.parse(document.getElementById(id).textContent);
    var status = document.querySelector('[data-minimap-status="' + id + '"]');
    var tiles = config.tiles || {};
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: !!tiles.url });
    if (tiles.url) {
      var options = { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "" };
      L.tileLayer(tiles.url, options).addTo(map);
      if (tiles.labels) {
        L.tileLayer(tiles.labels, options).addTo(map);
      }
    }
    var group = L.geoJSON(null, {
      style: function (feature) {
        return isMain(feature) ? MAIN : OTHER;
      },
      pointToLayer: function (feature, latlng) {
        var main = isMain(feature);
        return L.circleMarker(latlng, {
          radius: main ? 8 : 6,
          color: "#ffffff",
          weight: 2,
          fillColor: main ? "#d62728" : "#1f77b4",
          fillOpacity: 0.95
        });
      },
      onEachFeature: function (feature, layer) {
        var name = feature.properties && feature.properties.name;
        if (name) {
          var label = document.createElement("span");
          label.textContent = name;
          layer.bindTooltip(label);
        }
      }
    }).addTo(map);

    function say(text) {
      if (status) {
        status.textContent = text || "";
      }
    }

    function draw(features) {
      group.clearLayers();
      if (features.length) {
        group.addData({ type: "FeatureCollection", features: features });
      }
      var empty = group.getLayers().length === 0;
      element.classList.toggle("is-empty", empty);
      if (!empty) {
        map.invalidateSize();
        map.fitBounds(group.getBounds(), { maxZoom: 15, padding: [16, 16] });
      }
      return !empty;
    }

    var selector = element.getAttribute("data-source");
    var source = selector ? document.querySelector(selector) : null;
    if (!source) {
      say(draw(config.features || []) ? "" : config.empty);
      return;
    }
    var timer = null;
    function preview() {
      var text = source.value.trim();
      if (!text) {
        draw([]);
        say(config.empty);
        return;
      }
      try {
        say(draw(asFeatures(JSON.parse(text))) ? "" : config.invalid);
      } catch (error) {
        draw([]);
        say(config.invalid);
      }
    }
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(preview, 300);
    });
    preview();
  }

  document.querySelectorAll("[data-minimap]").forEach(setUp);
})();
