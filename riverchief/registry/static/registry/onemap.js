/* The one map (一张图): every registry layer, loaded from /api/v1/map/{layer}.geojson for the
 * box in view and again after the map moves. Base tiles only when configured: without them the
 * vector layers draw on a plain background. Configuration: the JSON in #onemap-config. */
(function () {
  "use strict";

  var element = document.getElementById("onemap");
  var configNode = document.getElementById("onemap-config");
  if (!element || !configNode || !window.L) {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var labels = config.labels;

  var PANES = { divisions: 350, waterbodies: 380, reaches: 410, facility: 460 };
  var REACH_WEIGHT = { province: 7, city: 7, county: 6, township: 4, village: 2 };
  var REACH_COLOUR = {
    province: "#08306b",
    city: "#08306b",
    county: "#08519c",
    township: "#2171b5",
    village: "#4292c6"
  };
  var DIVISION_WEIGHT = { 2: 3, 4: 2.5, 6: 2, 9: 1.5, 12: 1 };

  // Fill the window below the navigation (and the demo banner, when there is one).
  function fitHeight() {
    var top = element.getBoundingClientRect().top + window.scrollY;
    element.style.height = Math.max(420, window.innerHeight - top) + "px";
  }
  fitHeight();

  var map = L.map(element, { minZoom: 3, maxZoom: 18 });
  window.addEventListener("resize", function () {
    fitHeight();
    map.invalidateSize();
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  var hasTiles = addTiles(config.tiles);
  map.fitBounds(config.bounds, { padding: [12, 12] });

  Object.keys(PANES).forEach(function (name) {
    map.createPane("rc-" + name).style.zIndex = PANES[name];
  });

  var pending = 0;
  var failed = false;
  var status = statusControl();
  var entries = {};
  var overlays = {};

  config.layers.forEach(function (spec) {
    var entry = { spec: spec, controller: null, byCode: {} };
    var pane = "rc-" + (spec.type === "facility" ? "facility" : spec.name);
    entry.group = L.geoJSON(null, {
      pane: pane,
      className: "rc-feature rc-" + spec.name,
      style: function (feature) {
        return styleOf(spec, feature);
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          pane: pane,
          className: "rc-feature rc-marker rc-" + spec.name,
          radius: 6,
          color: "#ffffff",
          weight: 1.5,
          fillColor: spec.colour,
          fillOpacity: 0.95
        });
      },
      onEachFeature: function (feature, layer) {
        var code = feature.properties && feature.properties.code;
        if (code !== undefined && code !== null) {
          entry.byCode[code] = layer;
        }
        layer.bindPopup(function () {
          return popupOf(spec, feature);
        });
      }
    });
    entries[spec.name] = entry;
    if (spec.on) {
      entry.group.addTo(map);
    }
    overlays[legendOf(spec)] = entry.group;
  });

  var narrow = window.matchMedia && window.matchMedia("(max-width: 767px)").matches;
  L.control.layers(null, overlays, { collapsed: !!narrow, position: "topright" }).addTo(map);

  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  map.on("overlayadd", function (event) {
    Object.keys(entries).forEach(function (name) {
      if (entries[name].group === event.layer) {
        load(entries[name]);
      }
    });
  });
  refresh().then(function () {
    element.setAttribute("data-state", failed ? "error" : "ready");
  });

  // --- loading ------------------------------------------------------------------------------

  function bboxParam() {
    var box = map.getBounds().pad(0.25);
    var values = [
      Math.max(-180, box.getWest()),
      Math.max(-90, box.getSouth()),
      Math.min(180, box.getEast()),
      Math.min(90, box.getNorth())
    ];
    return values
      .map(function (value) {
        return value.toFixed(5);
      })
      .join(",");
  }

  function refresh() {
    failed = false;
    var loads = [];
    Object.keys(entries).forEach(function (name) {
      if (map.hasLayer(entries[name].group)) {
        loads.push(load(entries[name]));
      }
    });
    return Promise.all(loads);
  }

  function load(entry) {
    if (entry.controller) {
      entry.controller.abort();
    }
    var controller = new AbortController();
    entry.controller = controller;
    var url =
      config.api.replace("LAYER", encodeURIComponent(entry.spec.name)) + "?bbox=" + bboxParam();
    busy(1);
    return fetch(url, {
      credentials: "same-origin",
      signal: controller.signal,
      headers: { Accept: "application/geo+json, application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (entry.controller === controller) {
          entry.controller = null;
          merge(entry, data.features || []);
        }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        failed = true;
        if (window.console) {
          window.console.warn("map layer " + entry.spec.name + ": " + error);
        }
      })
      .then(function () {
        busy(-1);
      });
  }

  // Add what is new in view and drop what left it, keeping the feature whose popup is open.
  function merge(entry, features) {
    var seen = {};
    features.forEach(function (feature) {
      var code = feature.properties && feature.properties.code;
      seen[code] = true;
      if (!entry.byCode[code]) {
        entry.group.addData(feature);
      }
    });
    Object.keys(entry.byCode).forEach(function (code) {
      var layer = entry.byCode[code];
      if (seen[code] || (layer.isPopupOpen && layer.isPopupOpen())) {
        return;
      }
      entry.group.removeLayer(layer);
      delete entry.byCode[code];
    });
    element.setAttribute("data-count-" + entry.spec.name, String(features.length));
  }

  function busy(change) {
    pending += change;
    if (pending > 0) {
      status.say(labels.loading, false);
    } else if (failed) {
      status.say(labels.failed, true);
    } else {
      status.say(hasTiles ? "" : labels.noTiles, false);
    }
  }

  // --- looks --------------------------------------------------------------------------------

  function addTiles(tiles) {
    if (!tiles || !tiles.url) {
      element.classList.add("is-plain");
      return false;
    }
    var options = {
      subdomains: tiles.subdomains || "abc",
      attribution: tiles.attribution || "",
      maxZoom: 18
    };
    L.tileLayer(tiles.url, options).addTo(map);
    if (tiles.labels) {
      L.tileLayer(tiles.labels, options).addTo(map);
    }
    return true;
  }

  function styleOf(spec, feature) {
    var properties = feature.properties || {};
    if (spec.name === "reaches") {
      return {
        color: REACH_COLOUR[properties.level] || spec.colour,
        weight: REACH_WEIGHT[properties.level] || 3,
        opacity: 0.9,
        lineCap: "round"
      };
    }
    if (spec.name === "divisions") {
      return {
        color: spec.colour,
        weight: DIVISION_WEIGHT[properties.level] || 1,
        opacity: 0.7,
        dashArray: "4 4",
        fillColor: "#adb5bd",
        fillOpacity: 0.05
      };
    }
    if (spec.name === "waterbodies") {
      return { color: spec.colour, weight: 2, opacity: 0.8, fillColor: "#9ecae1", fillOpacity: 0.5 };
    }
    return { color: spec.colour };
  }

  function escapeHtml(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node.innerHTML;
  }

  function legendOf(spec) {
    var shape = spec.type === "facility" ? "" : spec.name === "divisions" ? " is-area" : " is-line";
    return (
      '<span class="onemap-swatch' +
      shape +
      '" style="background:' +
      escapeHtml(spec.colour) +
      '"></span><span data-layer="' +
      escapeHtml(spec.name) +
      '">' +
      escapeHtml(spec.label) +
      "</span>"
    );
  }

  function textDiv(className, text) {
    var node = document.createElement("div");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function popupOf(spec, feature) {
    var properties = feature.properties || {};
    var box = document.createElement("div");
    box.className = "onemap-popup";
    box.setAttribute("data-testid", "popup");
    box.appendChild(textDiv("onemap-popup-title", properties.name || properties.code || ""));
    var kind;
    if (spec.type === "facility") {
      kind = labels.kinds[properties.kind] || spec.label;
    } else if (spec.name === "reaches") {
      kind = labels.kinds.reach;
    } else if (spec.name === "waterbodies") {
      kind = labels.kinds.waterbody;
    } else {
      kind = labels.kinds.division;
    }
    var meta = [kind, properties.code];
    if (spec.name === "reaches") {
      meta.push(labels.levels[properties.level] || properties.level);
      if (properties.water_body_name) {
        meta.push(properties.water_body_name);
      }
      if (typeof properties.length_m === "number") {
        meta.push(
          labels.length + " " + (properties.length_m / 1000).toFixed(2) + " " + labels.km
        );
      }
    }
    box.appendChild(
      textDiv(
        "onemap-popup-meta",
        meta
          .filter(function (part) {
            return part !== undefined && part !== null && part !== "";
          })
          .join(" · ")
      )
    );
    if (properties.url) {
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = labels.open;
      link.setAttribute("data-testid", "popup-link");
      box.appendChild(link);
    }
    return box;
  }

  function statusControl() {
    var control = L.control({ position: "bottomleft" });
    var node;
    control.onAdd = function () {
      node = L.DomUtil.create("div", "onemap-status");
      node.setAttribute("role", "status");
      node.setAttribute("data-testid", "map-status");
      node.hidden = true;
      return node;
    };
    control.say = function (text, isError) {
      node.textContent = text;
      node.hidden = !text;
      node.classList.toggle("is-error", !!isError);
    };
    control.addTo(map);
    return control;
  }
})();
