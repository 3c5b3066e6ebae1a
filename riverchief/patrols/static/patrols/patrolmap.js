/* The patrol page's map: the chosen reach, the track walked so far and where the phone is.
 * Base tiles only when the installation configures them (see registry/pageparts.tile_config). */

const COUNTY = [35.49, 111.57]; // 绛县, until the reach is known

export class PatrolMap {
  constructor(element, tiles) {
    this.ready = false;
    if (!window.L) {
      return; // the app works without its map
    }
    tiles = tiles || {};
    this.leaflet = L.map(element, { attributionControl: !!tiles.url, zoomControl: true });
    element.riverchiefMap = this.leaflet;
    this.leaflet.setView(COUNTY, 11); // layers need a view before they are added
    if (tiles.url) {
      const options = { subdomains: tiles.subdomains || "abc", attribution: tiles.attribution || "" };
      L.tileLayer(tiles.url, options).addTo(this.leaflet);
      if (tiles.labels) {
        L.tileLayer(tiles.labels, options).addTo(this.leaflet);
      }
    }
    this.reach = L.geoJSON(null, { style: { color: "#2171b5", weight: 6, opacity: 0.6 } });
    this.reach.addTo(this.leaflet);
    this.track = L.polyline([], { color: "#d62728", weight: 4 }).addTo(this.leaflet);
    this.me = L.circleMarker([0, 0], {
      radius: 7,
      color: "#fff",
      weight: 2,
      fillColor: "#0d6efd",
      fillOpacity: 1,
    });
    this.ready = true;
  }

  resize() {
    if (this.ready) {
      setTimeout(() => this.leaflet.invalidateSize(), 0);
    }
  }

  drawReach(reach) {
    if (!this.ready) {
      return;
    }
    this.reach.clearLayers();
    if (reach && reach.geometry) {
      this.reach.addData(reach.geometry);
      this.leaflet.fitBounds(this.reach.getBounds(), { padding: [16, 16], maxZoom: 16 });
    } else {
      this.leaflet.setView(COUNTY, 11);
    }
  }

  /* points: [[lon, lat, …], …] kept so far; fix: the latest position, kept or not. */
  drawTrack(points, fix) {
    if (!this.ready) {
      return;
    }
    this.track.setLatLngs(points.map((p) => [p[1], p[0]]));
    if (fix) {
      this.me.setLatLng([fix[1], fix[0]]);
      if (!this.leaflet.hasLayer(this.me)) {
        this.me.addTo(this.leaflet);
      }
    }
  }
}
