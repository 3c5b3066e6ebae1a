/* The features of an OGC API page on a small map: lines and areas drawn, points as circles,
 * each linking to its own page. The data comes from the page itself (json_script). */
(function () {
  "use strict";
  var element = document.getElementById("ogc-map");
  var source = document.getElementById("ogc-map-data");
  if (!element || !source || !window.L) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var tiles = data.tiles || {};
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: !!tiles.url });
  map.setView([35.49, 111.57], 10); // layers need a view before they are added
  if (tiles.url) {
    var options = { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "" };
    L.tileLayer(tiles.url, options).addTo(map);
    if (tiles.labels) {
      L.tileLayer(tiles.labels, options).addTo(map);
    }
  }
  var layer = L.geoJSON(
    { type: "FeatureCollection", features: data.features || [] },
    {
      style: { color: "#2171b5", weight: 3 },
      pointToLayer: function (_feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#a50f15", weight: 2 });
      },
      onEachFeature: function (feature, shape) {
        var anchor = document.createElement("a");
        anchor.href = data.item_url.replace("FEATURE_ID", encodeURIComponent(feature.id));
        anchor.textContent = (feature.properties && feature.properties.name) || feature.id;
        shape.bindPopup(anchor);
      },
    }
  ).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12], maxZoom: 15 });
  }
  element.dataset.features = String(layer.getLayers().length);
})();
