/* The report form: pick the place on a Leaflet map (or take the phone's position), see the
 * reaches around it, get the nearest reach suggested (still editable), read the category's
 * definition, and send the form only once. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  var element = document.getElementById("report-map");
  if (!form || !element || !window.L) {
    return;
  }
  var config = JSON.parse(document.getElementById("report-map-config").textContent);
  var labels = config.labels || {};
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  var reach = document.getElementById("id_reach_code");
  var status = document.getElementById("reach-status");
  var locate = document.getElementById("use-my-location");
  var category = document.getElementById("id_category");
  var help = document.getElementById("category-help");

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function say(text) {
    status.textContent = text || "";
  }

  // --- the map ---------------------------------------------------------------------------------
  var tiles = config.tiles || {};
  var map = L.map(element, { attributionControl: !!tiles.url });
  element.riverchiefMap = map; // for tests that click a given place
  if (tiles.url) {
    var options = { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "" };
    L.tileLayer(tiles.url, options).addTo(map);
    if (tiles.labels) {
      L.tileLayer(tiles.labels, options).addTo(map);
    }
  }
  map.fitBounds(config.bounds);

  var REACH = { color: "#2171b5", weight: 3, opacity: 0.8 };
  var CHOSEN = { color: "#08519c", weight: 7, opacity: 0.95 };
  var chosenCode = null;
  var reaches = L.geoJSON(null, {
    style: function (feature) {
      return feature.properties && feature.properties.code === chosenCode ? CHOSEN : REACH;
    },
    onEachFeature: function (feature, layer) {
      var name = feature.properties && feature.properties.name;
      if (name) {
        var text = document.createElement("span");
        text.textContent = name + " " + (feature.properties.code || "");
        layer.bindTooltip(text, { sticky: true });
      }
    },
    interactive: true
  }).addTo(map);
  // A click on a reach line bubbles to the map, which picks that point.

  var loadTimer = null;
  function loadReaches() {
    var b = map.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (v) {
        return v.toFixed(5);
      })
      .join(",");
    var url = config.reaches + "?bbox=" + encodeURIComponent(box);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .then(function (data) {
        if (data) {
          reaches.clearLayers();
          reaches.addData(data);
        }
      })
      .catch(function () {});
  }
  map.on("moveend", function () {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(loadReaches, 250);
  });
  loadReaches();

  var marker = null;
  function showMarker(latlng) {
    if (!marker) {
      marker = L.circleMarker(latlng, {
        radius: 9,
        color: "#ffffff",
        weight: 2,
        fillColor: "#d62728",
        fillOpacity: 0.95
      }).addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
  }

  // --- the nearest reach -------------------------------------------------------------------------
  var asked = 0;
  function suggestReach(latlng) {
    var ticket = ++asked;
    var url =
      config.nearest +
      "?lon=" + latlng.lng.toFixed(6) +
      "&lat=" + latlng.lat.toFixed(6) +
      "&max_distance_m=" + config.max_distance_m;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(String(answer.status));
        }
        return answer.json();
      })
      .then(function (data) {
        if (ticket !== asked) {
          return; // a later click already asked again
        }
        if (data.reach) {
          reach.value = data.reach.code;
          chosenCode = data.reach.code;
          say(fill(labels.nearest, {
            name: data.reach.name,
            code: data.reach.code,
            distance: Math.round(data.distance_m)
          }));
        } else {
          reach.value = "";
          chosenCode = null;
          say(fill(labels.none, { distance: config.max_distance_m }));
        }
        reaches.setStyle(function (feature) {
          return feature.properties && feature.properties.code === chosenCode ? CHOSEN : REACH;
        });
        reach.dispatchEvent(new Event("change", { bubbles: true }));
      })
      .catch(function () {
        if (ticket === asked) {
          say(labels.failed);
        }
      });
  }

  function setPoint(latlng, fromMap) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    showMarker(latlng);
    if (!fromMap) {
      map.setView(latlng, Math.max(map.getZoom(), 14));
    }
    suggestReach(latlng);
  }

  map.on("click", function (event) {
    setPoint(event.latlng, true);
  });

  function typedPoint() {
    var x = parseFloat(lon.value);
    var y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y) && x >= -180 && x <= 180 && y >= -90 && y <= 90) {
      setPoint(L.latLng(y, x), false);
    }
  }
  lon.addEventListener("change", typedPoint);
  lat.addEventListener("change", typedPoint);

  if (config.point) {
    var start = L.latLng(config.point[1], config.point[0]);
    showMarker(start);
    map.setView(start, 15);
    if (!reach.value) {
      suggestReach(start);
    }
  }

  // --- the phone's position ----------------------------------------------------------------------
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say(labels.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var here = L.latLng(position.coords.latitude, position.coords.longitude);
          setPoint(here, false);
          say(fill(labels.located, { accuracy: Math.round(position.coords.accuracy || 0) }));
        },
        function () {
          say(labels.no_location);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // --- the category's definition -----------------------------------------------------------------
  function showHelp() {
    var option = category.options[category.selectedIndex];
    help.textContent = (option && option.getAttribute("data-help")) || "";
  }
  category.addEventListener("change", showHelp);
  showHelp();

  // --- send once (the idempotency key makes a second send harmless anyway) -----------------------
  form.addEventListener("submit", function () {
    var button = form.querySelector("[type=submit]");
    if (button) {
      setTimeout(function () {
        button.disabled = true;
      }, 0);
    }
  });
})();
