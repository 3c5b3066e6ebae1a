/* Water-quality pages: the sections map, the trend charts over the class bands, the upstream panel. */
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function tiles(map) {
    // No base tiles are bundled: the registry's rivers on a plain background work offline.
    map.attributionControl.setPrefix("");
    fetch("/api/v1/map/waterbodies.geojson", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (rivers) {
        if (!rivers) return;
        L.geoJSON(rivers, {
          style: { color: "#5b9bd5", weight: 2, opacity: 0.8 },
          onEachFeature: function (feature, layer) {
            if (feature.properties && feature.properties.name) layer.bindTooltip(feature.properties.name);
          }
        }).addTo(map).bringToBack();
      })
      .catch(function () {});
  }

  function sectionsMap() {
    var rows = data("wq-sections");
    var node = document.getElementById("wq-map");
    if (!rows || !node || !window.L) return;
    var map = L.map(node);
    tiles(map);
    var placed = rows.filter(function (row) { return row.lon !== null && row.lat !== null; });
    // The view first: Leaflet draws a layer (and so makes its element) only on a map with a view.
    if (placed.length) {
      map.fitBounds(placed.map(function (row) { return [row.lat, row.lon]; }), { padding: [30, 30], maxZoom: 12 });
    } else {
      map.setView([35.49, 111.57], 10);
    }
    placed.forEach(function (row) {
      var marker = L.circleMarker([row.lat, row.lon], {
        radius: 9, color: "#333", weight: 1, fillColor: row.hex, fillOpacity: 0.95
      }).addTo(map);
      marker.bindTooltip(row.name + (row["class"] ? " · " + row["class"] : ""));
      marker.on("click", function () { window.location.href = "sections/" + encodeURIComponent(row.code) + "/"; });
      marker.getElement().setAttribute("data-section", row.code);
    });
  }

  function charts() {
    var series = data("wq-chart");
    if (!series || !window.echarts) return;
    document.querySelectorAll(".wq-chart").forEach(function (node) {
      var item = series[node.getAttribute("data-code")];
      if (!item) return;
      var values = item.points.map(function (p) { return p[1]; });
      var top = Math.max.apply(null, values);
      // Bands beyond the data are clipped by the axis: a large bound stands for "no limit".
      var far = Math.max(top, 1) * 100;
      var areas = item.bands.map(function (band) {
        return [{ yAxis: band.from === null ? far : band.from, itemStyle: { color: band.hex, opacity: 0.14 }, name: band["class"] },
          { yAxis: band.to === null ? far : band.to }];
      });
      var chart = echarts.init(node);
      chart.setOption({
        title: { text: item.name + (item.unit ? " (" + item.unit + ")" : ""), textStyle: { fontSize: 12 } },
        grid: { left: 48, right: 36, top: 30, bottom: 24 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "time" },
        yAxis: { type: "value", max: function (v) { return +(v.max * 1.25).toPrecision(2); } },
        series: [{
          type: "line", name: item.name, symbolSize: 6,
          data: item.points.map(function (p) { return [p[0], p[1]]; }),
          markArea: { silent: true, label: { position: "right", fontSize: 10 }, data: areas }
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function km(metres) { return (metres / 1000).toFixed(1) + " km"; }

  function upstream() {
    var holder = document.querySelector("[data-testid=upstream]");
    var point = data("wq-point");
    if (!holder || !point) return;
    var list = document.getElementById("wq-upstream-list");
    var map = null;
    if (window.L && point.lat !== null) {
      map = L.map("wq-upstream-map");
      tiles(map);
      map.setView([point.lat, point.lon], 11);
      L.circleMarker([point.lat, point.lon], { radius: 9, color: "#000", fillColor: "#fff", fillOpacity: 1 })
        .addTo(map).bindTooltip(point.name);
    }
    fetch(holder.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var groups = [["outfalls", "排污口 Outfalls", "#d7191c"], ["problems", "未办结问题 Open problems", "#7b3294"],
          ["intakes", "取水口 Intakes", "#1f6fd1"], ["facilities", "其他设施 Facilities", "#555"], ["reaches", "河段 Reaches", "#1a9d3f"]];
        var html = "";
        var bounds = map ? [[point.lat, point.lon]] : [];
        groups.forEach(function (group) {
          var rows = body[group[0]] || [];
          html += "<h3 class='h6 mt-2'>" + group[1] + " (" + rows.length + ")</h3><ol class='mb-1'>";
          rows.forEach(function (row) {
            var label = row.name || row.number || row.category || "";
            html += "<li data-code='" + (row.code || row.id) + "'>" + km(row.distance_m) + " · " + label.replace(/</g, "&lt;") + "</li>";
            if (!map) return;
            if (row.geometry) {
              L.geoJSON(row.geometry, { style: { color: group[2], weight: 3, opacity: 0.6 } }).addTo(map);
            } else if (row.lat !== undefined && row.lat !== null) {
              L.circleMarker([row.lat, row.lon], { radius: 6, color: group[2], fillOpacity: 0.8 }).addTo(map)
                .bindTooltip(label + " · " + km(row.distance_m));
              bounds.push([row.lat, row.lon]);
            }
          });
          html += "</ol>";
        });
        list.innerHTML = html;
        if (map && bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20] });
      })
      .catch(function () { list.textContent = "—"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sectionsMap();
    charts();
    upstream();
  });
})();
