/* Public maps: the county's reaches and published reports; a tap picks a point on /p/report. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var cfgEl = document.getElementById("map-config");
  if (!el || !cfgEl || !window.L) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var map = L.map(el, { zoomControl: true }).setView([35.49, 111.57], 10);
  if (cfg.tiles && cfg.tiles.url) {
    L.tileLayer(cfg.tiles.url, { subdomains: cfg.tiles.subdomains, attribution: cfg.tiles.attribution || "" }).addTo(map);
  }
  window.portalMap = map;
  fetch(cfg.geojson).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var mine = cfg.reach && f.properties.code === cfg.reach;
        return { color: mine ? "#e8590c" : "#0b5cad", weight: mine ? 5 : 3 };
      },
      filter: function (f) { return !cfg.reach || f.properties.kind === "reach" || f.properties.reach === cfg.reach; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6, color: "#e8590c" }); },
      onEachFeature: function (f, l) {
        var p = f.properties;
        if (p.kind === "reach") l.bindPopup('<a href="/p/reaches/' + encodeURIComponent(p.code) + '">' + escapeHtml(p.name) + "</a>");
        else l.bindPopup(escapeHtml(p.category + " · " + p.status) + '<br><a href="/p/track/' + encodeURIComponent(p.code) + '">' + escapeHtml(p.code) + "</a>");
      }
    }).addTo(map);
    var focus = layer;
    if (cfg.reach) {
      layer.eachLayer(function (l) { if (l.feature.properties.code === cfg.reach) focus = l; });
    }
    if (focus.getBounds && focus.getBounds().isValid()) map.fitBounds(focus.getBounds(), { maxZoom: 15 });
    document.dispatchEvent(new CustomEvent("portal:map-ready"));
  }).catch(function () {});
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
})();
