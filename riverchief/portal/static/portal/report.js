/* The report form: device id, position (GPS with its accuracy, or a tap on the map), similar
   reports nearby, and photos downscaled in the browser (EXIF kept for the office, upright). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var MAX_SIDE = 1600, QUALITY = 0.85;

  // A random id kept on this phone: the per-device rate limit counts it (hashed on the server).
  try {
    var id = localStorage.getItem("rc-device");
    if (!id) { id = Math.random().toString(36).slice(2) + Date.now().toString(36); localStorage.setItem("rc-device", id); }
    $("device_id").value = id;
  } catch (e) { /* private mode: no device id, the IP limit still applies */ }

  var marker = null;
  function setPoint(lat, lon, accuracy, system) {
    $("lat").value = lat.toFixed(7); $("lon").value = lon.toFixed(7);
    $("accuracy").value = accuracy == null ? "" : Math.round(accuracy);
    $("coordinate_system").value = system || "wgs84";
    var text = lat.toFixed(5) + ", " + lon.toFixed(5);
    if (accuracy != null) text += " (±" + Math.round(accuracy) + " m)";
    $("location-status").textContent = text;
    if (window.portalMap) {
      if (marker) marker.setLatLng([lat, lon]); else marker = L.marker([lat, lon]).addTo(window.portalMap);
      window.portalMap.setView([lat, lon], Math.max(window.portalMap.getZoom(), 15));
    }
    var url = form.getAttribute("data-similar-url") + "?format=html&lon=" + lon + "&lat=" + lat + "&coordinate_system=" + $("coordinate_system").value;
    fetch(url, { headers: { "HX-Request": "true" } }).then(function (r) { return r.text(); })
      .then(function (html) { $("similar").innerHTML = html; }).catch(function () {});
  }
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { $("location-status").textContent = "—"; return; }
    $("location-status").textContent = "…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy, "wgs84");
    }, function () {
      $("location-status").textContent = form.getAttribute("data-no-gps") || "GPS ✗";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  function hookMap() {
    if (!window.portalMap || hookMap.done) return;
    hookMap.done = true;
    window.portalMap.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, null, "wgs84"); });
  }
  hookMap(); document.addEventListener("portal:map-ready", hookMap);

  // --- photos ---------------------------------------------------------------------------
  var input = $("photos"), status = $("photo-status"), pending = 0;
  input.addEventListener("change", function () {
    var max = parseInt(input.getAttribute("data-max"), 10) || 6;
    var files = Array.prototype.slice.call(input.files);
    if (files.length > max) { status.textContent = "≤ " + max; }
    if (!window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) return; // send as they are
    pending = files.length;
    Promise.all(files.map(shrink)).then(function (out) {
      var dt = new DataTransfer();
      out.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      status.textContent = out.map(function (f) { return Math.round(f.size / 1024) + " KB"; }).join(", ");
      pending = 0;
    }).catch(function () { pending = 0; });
  });
  form.addEventListener("submit", function (e) { if (pending) e.preventDefault(); });

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return file.arrayBuffer().then(function (buf) {
      return new Promise(function (resolve) {
        var img = new Image(), url = URL.createObjectURL(file);
        img.onload = function () {
          URL.revokeObjectURL(url);
          var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
          if (scale === 1 && file.size < 1500000) { resolve(file); return; }
          var c = document.createElement("canvas");
          c.width = Math.round(img.naturalWidth * scale); c.height = Math.round(img.naturalHeight * scale);
          c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
          c.toBlob(function (blob) {
            if (!blob) { resolve(file); return; }
            blob.arrayBuffer().then(function (out) {
              var bytes = withExif(new Uint8Array(out), exifSegment(new Uint8Array(buf)));
              var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
              resolve(new File([bytes], name, { type: "image/jpeg", lastModified: file.lastModified }));
            });
          }, "image/jpeg", QUALITY);
        };
        img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
        img.src = url;
      });
    });
  }
  // The original's EXIF (time, GPS: the office's check), with Orientation set to 1, since the
  // canvas already drew the photo upright.
  function exifSegment(b) {
    if (b[0] !== 0xFF || b[1] !== 0xD8) return null;
    var i = 2;
    while (i + 4 < b.length && b[i] === 0xFF) {
      var marker = b[i + 1], len = (b[i + 2] << 8) | b[i + 3];
      if (marker === 0xE1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69 && b[i + 7] === 0x66) {
        var seg = b.slice(i, i + 2 + len);
        uprightOrientation(seg);
        return seg;
      }
      if (marker === 0xDA) break;
      i += 2 + len;
    }
    return null;
  }
  function uprightOrientation(seg) {
    var t = 10, le = seg[t] === 0x49;
    var u16 = function (o) { return le ? seg[o] | (seg[o + 1] << 8) : (seg[o] << 8) | seg[o + 1]; };
    var u32 = function (o) { return le ? (seg[o] | (seg[o + 1] << 8) | (seg[o + 2] << 16)) + seg[o + 3] * 16777216 : seg[o] * 16777216 + ((seg[o + 1] << 16) | (seg[o + 2] << 8) | seg[o + 3]); };
    var ifd = t + u32(t + 4);
    if (ifd + 2 > seg.length) return;
    var n = u16(ifd);
    for (var k = 0; k < n; k++) {
      var e = ifd + 2 + k * 12;
      if (e + 12 > seg.length) return;
      if (u16(e) === 0x0112) { if (le) { seg[e + 8] = 1; seg[e + 9] = 0; } else { seg[e + 8] = 0; seg[e + 9] = 1; } return; }
    }
  }
  function withExif(jpeg, seg) {
    if (!seg) return jpeg;
    var out = new Uint8Array(jpeg.length + seg.length);
    out.set(jpeg.subarray(0, 2), 0); out.set(seg, 2); out.set(jpeg.subarray(2), 2 + seg.length);
    return out;
  }
})();
