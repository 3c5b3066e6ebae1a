/* The track as the phone keeps it: which GPS fixes to store, and the summary shown at the end.
 * The server computes the official metrics; these figures are only what the patroller sees. */

const EARTH_M = 6371008.8;
export const WORST_ACCURACY_M = 100; // the server flags worse fixes; they are not kept
// A walker's track thinned to one point every few seconds or metres: a 30-minute patrol stays
// far under 50 KB (about 360 points of some 40 bytes each).
const MIN_GAP_MS = 5000;
const MIN_STEP_M = 10;
const MIN_STEP_GAP_MS = 1000;

export function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/* [lon, lat, t_ms, accuracy_m] from a Geolocation position, rounded to what matters (~0.1 m). */
export function fromPosition(position) {
  const c = position.coords;
  return [
    Math.round(c.longitude * 1e6) / 1e6,
    Math.round(c.latitude * 1e6) / 1e6,
    Math.round(position.timestamp),
    Math.round((c.accuracy || 0) * 10) / 10,
  ];
}

/* Why a fix is not stored ("" when it is): too inaccurate, out of order, or too close to the
 * last one kept. */
export function skipReason(point, last) {
  if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
    return "invalid";
  }
  if (point[3] > WORST_ACCURACY_M) {
    return "inaccurate";
  }
  if (!last) {
    return "";
  }
  const gap = point[2] - last[2];
  if (gap <= 0) {
    return "old";
  }
  if (gap >= MIN_GAP_MS) {
    return "";
  }
  return gap >= MIN_STEP_GAP_MS && metres(last, point) >= MIN_STEP_M ? "" : "close";
}

/* Walking time without pauses, distance along the points, and the number of points. */
export function summary(points, startedAt, endedAt, pauses) {
  let distance = 0;
  for (let i = 1; i < points.length; i += 1) {
    distance += metres(points[i - 1], points[i]);
  }
  let paused = 0;
  for (const [from, to] of pauses) {
    paused += Math.max(0, (to || endedAt) - from);
  }
  return {
    duration_s: Math.max(0, Math.round((endedAt - startedAt - paused) / 1000)),
    distance_m: Math.round(distance),
    points: points.length,
  };
}

export function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

export function formatDistance(m) {
  return m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`;
}
