/* A patrol's page: the track drawn over the reach, the places of its records, problems and
 * photos, gaps and jumps marked, and a playback slider that walks the track point by point. */
(function () {
  "use strict";
  var element = document.getElementById("patrol-map");
  var source = document.getElementById("patrol-map-data");
  if (!element || !source || !window.L) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var text = data.text || {};
  var tiles = data.tiles || {};
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: !!tiles.url });
  element.riverchiefMap = map;
  map.setView([35.49, 111.57], 11); // layers need a view before they are added
  if (tiles.url) {
    var options = { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "" };
    L.tileLayer(tiles.url, options).addTo(map);
    if (tiles.labels) {
      L.tileLayer(tiles.labels, options).addTo(map);
    }
  }
  var bounds = L.latLngBounds([]);
  if (data.reach) {
    var reach = L.geoJSON(data.reach, { style: { color: "#2171b5", weight: 7, opacity: 0.45 } });
    reach.addTo(map);
    bounds.extend(reach.getBounds());
  }
  var points = data.points || []; // [lon, lat, t_ms]
  var latlngs = points.map(function (p) {
    return [p[1], p[0]];
  });
  var whole = L.polyline(latlngs, { color: "#fb6a4a", weight: 3, opacity: 0.8 }).addTo(map);
  var played = L.polyline([], { color: "#a50f15", weight: 5 }).addTo(map);
  if (latlngs.length) {
    bounds.extend(whole.getBounds());
  }

  function mark(items, colour, radius) {
    (items || []).forEach(function (item) {
      if (item.lon === null || item.lon === undefined) {
        return;
      }
      var marker = L.circleMarker([item.lat, item.lon], {
        radius: radius,
        color: "#fff",
        weight: 2,
        fillColor: colour,
        fillOpacity: 0.95
      }).addTo(map);
      if (item.label) {
        var label = document.createElement("span");
        label.textContent = item.label;
        marker.bindTooltip(label);
      }
      bounds.extend(marker.getLatLng());
    });
  }
  mark(data.problems, "#d62728", 8);
  mark(data.records, "#2ca02c", 6);
  mark(data.photos, "#9467bd", 6);
  (data.jumps || []).forEach(function (jump) {
    if (jump.from && jump.to) {
      L.polyline([[jump.from[1], jump.from[0]], [jump.to[1], jump.to[0]]], {
        color: "#000",
        weight: 2,
        dashArray: "6 6"
      })
        .bindTooltip(jump.label || "")
        .addTo(map);
    }
  });

  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16 });
  }

  // --- playback --------------------------------------------------------------------------------
  var slider = document.getElementById("playback");
  var clock = document.getElementById("playback-time");
  var button = document.getElementById("playback-play");
  if (!slider || !points.length) {
    return;
  }
  var walker = L.circleMarker(latlngs[0], {
    radius: 8,
    color: "#fff",
    weight: 3,
    fillColor: "#08519c",
    fillOpacity: 1
  }).addTo(map);
  slider.max = String(points.length - 1);
  var start = points[0][2];
  // Times as the county reads them (Asia/Shanghai), whatever the browser's own zone.
  var clockFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: data.time_zone || undefined,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23"
  });

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function at(index) {
    var p = points[index];
    walker.setLatLng(latlngs[index]);
    played.setLatLngs(latlngs.slice(0, index + 1));
    var elapsed = Math.round((p[2] - start) / 1000);
    clock.textContent = clockFormat.format(new Date(p[2])) +
      " · +" + Math.floor(elapsed / 60) + ":" + two(elapsed % 60);
  }

  var timer = null;
  function stop() {
    clearInterval(timer);
    timer = null;
    button.textContent = text.play || "▶";
  }
  slider.addEventListener("input", function () {
    at(Number(slider.value));
  });
  button.addEventListener("click", function () {
    if (timer) {
      stop();
      return;
    }
    if (Number(slider.value) >= points.length - 1) {
      slider.value = "0";
    }
    button.textContent = text.pause || "⏸";
    // The whole walk plays in about 20 seconds, whatever its length.
    var step = Math.max(1, Math.round(points.length / 400));
    timer = setInterval(function () {
      var next = Math.min(points.length - 1, Number(slider.value) + step);
      slider.value = String(next);
      at(next);
      if (next >= points.length - 1) {
        stop();
      }
    }, 50);
  });
  at(0);
})();
