/* The phone patrol (巡河): choose a reach, start, walk with the track recorded, pause and resume,
 * record the checklist and problems found with photos, end and see the summary. Offline first:
 * every step is written to IndexedDB (store.js) at once and sent by sync.js when there is network;
 * opening the page again in the middle of a patrol carries on with it. */

import { Store } from "./store.js";
import { Sync } from "./sync.js";
import { shrink } from "./photo.js";
import * as track from "./track.js";
import { PatrolMap } from "./patrolmap.js";
import * as lists from "./lists.js";

const config = JSON.parse(document.getElementById("patrol-config").textContent);
const T = config.text;
const app = document.getElementById("patrol-app");
const $ = (id) => document.getElementById(id);

const fill = lists.fill;

function uuid() {
  if (window.crypto && crypto.randomUUID) {
    return crypto.randomUUID();
  }
  // Plain http on a LAN has no randomUUID; getRandomValues is there everywhere.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const state = {
  store: null,
  sync: null,
  reaches: [],
  patrol: null, // the patrol being walked (a row of the "patrols" store)
  points: [],
  distance: 0,
  lastFix: null, // the latest fix, kept or not: the place of a record or problem
  watch: null,
  ticker: null,
  wakeLock: null,
  checkItem: null,
  map: null,
};

// --- views -------------------------------------------------------------------------------------

function show(view) {
  for (const section of app.querySelectorAll("[data-view]")) {
    section.classList.toggle("d-none", section.dataset.view !== view);
  }
  if (view === "patrol" && state.map) {
    state.map.resize();
  }
}

function closePanels() {
  for (const panel of app.querySelectorAll(".patrol-panel")) {
    panel.classList.add("d-none");
  }
}

async function refreshSync() {
  const n = await state.sync.count();
  const badge = $("sync-state");
  badge.textContent = n ? fill(T.pending, { n }) : T.synced;
  badge.dataset.pending = String(n);
  badge.className = `badge ${n ? "text-bg-warning" : "text-bg-success"}`;
  $("sync-auth").classList.toggle("d-none", !state.sync.authNeeded);
  const online = navigator.onLine;
  $("network-state").textContent = online ? T.online : T.offline;
  $("network-state").className = `badge ${online ? "text-bg-secondary" : "text-bg-dark"}`;
  await renderHistory();
  if (state.shownSummary) {
    await renderSummarySync(state.shownSummary);
  }
}

// --- reaches -----------------------------------------------------------------------------------

async function loadReaches() {
  let items = null;
  try {
    const answer = await fetch(config.urls.reaches, { credentials: "same-origin" });
    if (answer.ok) {
      const body = await answer.json();
      items = Array.isArray(body) ? body : body.items || [];
      await state.store.keep(`reaches:${config.user}`, items);
      $("reach-status").textContent = "";
    } else if (answer.status === 401) {
      state.sync.authNeeded = true;
    }
  } catch (error) {
    items = null;
  }
  if (items === null) {
    items = (await state.store.cached(`reaches:${config.user}`)) || [];
    $("reach-status").textContent = items.length ? T.reaches_offline : T.reaches_unknown;
  } else if (!items.length) {
    $("reach-status").textContent = T.no_reaches;
  }
  state.reaches = items;
  const select = $("reach-select");
  select.replaceChildren();
  for (const reach of items) {
    const option = document.createElement("option");
    option.value = reach.code;
    option.textContent = reach.river_name ? `${reach.name}（${reach.river_name}）` : reach.name;
    select.append(option);
  }
  $("start").disabled = !items.length;
}

function reachOf(code) {
  return state.reaches.find((reach) => reach.code === code) || null;
}

// --- the patrol --------------------------------------------------------------------------------

async function start() {
  const code = $("reach-select").value;
  const reach = reachOf(code);
  if (!reach) {
    return;
  }
  const kind = $("kind-select").value;
  if (kind === "delegated" && !$("behalf").value.trim()) {
    $("behalf").classList.add("is-invalid");
    $("behalf").focus();
    return;
  }
  $("behalf").classList.remove("is-invalid");
  const patrol = {
    client_id: uuid(),
    user: config.user,
    reach_code: code,
    reach_name: reach.name,
    kind,
    on_behalf_of: kind === "delegated" ? $("behalf").value.trim() : "",
    started_at: Date.now(),
    ended_at: null,
    state: "recording",
    pauses: [],
    records: [],
    problems: [],
    note: "",
  };
  await state.store.put("patrols", patrol);
  await resume(patrol, []);
}

async function resume(patrol, points) {
  state.patrol = patrol;
  state.points = points;
  state.distance = track.summary(points, 0, 0, []).distance_m;
  $("current-reach").textContent = patrol.reach_name;
  show("patrol");
  state.map = state.map || new PatrolMap($("patrol-map"), config.tiles);
  state.map.drawReach(reachOf(patrol.reach_code));
  state.map.drawTrack(state.points, state.lastFix);
  renderPause();
  renderFigures();
  renderRecorded();
  watchPosition();
  clearInterval(state.ticker);
  state.ticker = setInterval(renderFigures, 1000);
  holdScreen();
}

function renderFigures() {
  const p = state.patrol;
  if (!p) {
    return;
  }
  const now = Date.now();
  const s = track.summary([], p.started_at, now, p.pauses);
  $("fig-time").textContent = track.formatDuration(s.duration_s);
  $("fig-distance").textContent = track.formatDistance(state.distance);
  $("fig-points").textContent = String(state.points.length);
}

function renderPause() {
  const paused = state.patrol.state === "paused";
  $("pause").textContent = paused ? T.resume : T.pause;
  $("paused-badge").classList.toggle("d-none", !paused);
}

function renderRecorded() {
  const p = state.patrol;
  $("recorded").textContent = fill(T.recorded, { r: p.records.length, p: p.problems.length });
}

async function togglePause() {
  const now = Date.now();
  state.patrol = await state.store.update("patrols", state.patrol.client_id, (row) => {
    if (row.state === "paused") {
      row.pauses[row.pauses.length - 1][1] = now;
      row.state = "recording";
    } else {
      row.pauses.push([now, null]);
      row.state = "paused";
    }
  });
  renderPause();
}

// --- GPS ---------------------------------------------------------------------------------------

function watchPosition() {
  if (state.watch !== null) {
    return;
  }
  if (!navigator.geolocation) {
    $("gps-state").textContent = T.gps_none;
    return;
  }
  $("gps-state").textContent = T.gps_waiting;
  state.watch = navigator.geolocation.watchPosition(onPosition, onPositionError, {
    enableHighAccuracy: true,
    maximumAge: 0,
    timeout: 60000,
  });
}

function stopWatching() {
  if (state.watch !== null) {
    navigator.geolocation.clearWatch(state.watch);
    state.watch = null;
  }
}

async function onPosition(position) {
  const point = track.fromPosition(position);
  state.lastFix = point;
  const p = state.patrol;
  if (!p) {
    return;
  }
  const last = state.points[state.points.length - 1];
  const why = p.state === "recording" ? track.skipReason(point, last) : "paused";
  $("gps-state").textContent =
    why === "inaccurate"
      ? fill(T.gps_poor, { m: Math.round(point[3]) })
      : fill(T.gps_ok, { m: Math.round(point[3]) });
  renderPlace();
  if (!why) {
    state.points.push(point);
    if (last) {
      state.distance += track.metres(last, point);
    }
    await state.store.addPoint(p.client_id, point);
    renderFigures();
  }
  state.map.drawTrack(state.points, state.lastFix);
}

function onPositionError(error) {
  $("gps-state").textContent = error.code === 1 ? T.gps_denied : T.gps_waiting;
}

async function holdScreen() {
  // Keeps the screen (and the GPS) awake while walking where the browser allows it.
  if (!("wakeLock" in navigator) || document.visibilityState !== "visible") {
    return;
  }
  try {
    state.wakeLock = await navigator.wakeLock.request("screen");
  } catch (error) {
    state.wakeLock = null;
  }
}

// --- records and problems ----------------------------------------------------------------------

function place() {
  const fix = state.lastFix || state.points[state.points.length - 1] || null;
  return fix ? { lon: fix[0], lat: fix[1] } : { lon: null, lat: null };
}

function renderPlace() {
  const fix = state.lastFix;
  $("problem-place").textContent = fix
    ? fill(T.place, { lon: fix[0].toFixed(6), lat: fix[1].toFixed(6), m: Math.round(fix[3]) })
    : T.gps_waiting;
}

async function savePhoto(file) {
  let blob = file;
  try {
    blob = await shrink(file);
  } catch (error) {
    // A format this browser cannot draw (HEIC on some phones) is kept as it came: the server
    // decides, and a refusal leaves only that photo out.
    blob = file;
  }
  const id = uuid();
  await state.store.put("photos", {
    client_id: id,
    patrol: state.patrol.client_id,
    blob,
    uploaded: false,
    at: Date.now(),
  });
  return id;
}

async function addToPatrol(list, entry) {
  state.patrol = await state.store.update("patrols", state.patrol.client_id, (row) => {
    row[list].push(entry);
  });
  renderRecorded();
  await refreshSync();
  if (entry.photo_ids.length) {
    state.sync.now(); // the photo goes up now if there is network
  }
}

function renderChecklist() {
  lists.checklist($("check-items"), config.items, state.patrol.records, T, chooseCheck);
}

async function chooseCheck(item, status) {
  if (status === "abnormal") {
    state.checkItem = item;
    $("check-detail").classList.remove("d-none");
    $("check-note").focus();
    return;
  }
  await addCheck(item, status, "", null);
}

async function addCheck(item, status, note, file) {
  const photoIds = file ? [await savePhoto(file)] : [];
  await addToPatrol("records", {
    client_id: uuid(),
    item,
    status,
    note,
    ...place(),
    t_ms: Date.now(),
    photo_ids: photoIds,
  });
  renderChecklist();
}

async function saveAbnormal() {
  const file = $("check-photo").files[0] || null;
  await addCheck(state.checkItem, "abnormal", $("check-note").value.trim(), file);
  $("check-note").value = "";
  $("check-photo").value = "";
  $("check-detail").classList.add("d-none");
}

async function saveProblem() {
  const error = $("problem-error");
  const category = $("problem-category").value;
  const where = place();
  if (!category) {
    error.textContent = T.need_category;
    return;
  }
  if (where.lon === null) {
    error.textContent = T.need_place;
    return;
  }
  error.textContent = "";
  $("problem-save").disabled = true;
  try {
    const photoIds = [];
    for (const file of $("problem-photo").files) {
      photoIds.push(await savePhoto(file));
    }
    await addToPatrol("problems", {
      client_id: uuid(),
      category,
      description: $("problem-description").value.trim(),
      severity: "general",
      ...where,
      t_ms: Date.now(),
      photo_ids: photoIds,
    });
    $("problem-category").value = "";
    $("problem-description").value = "";
    $("problem-photo").value = "";
    closePanels();
    $("recorded").textContent += ` · ${T.problem_saved}`;
  } catch (failure) {
    error.textContent = fill(T.photo_failed, { reason: String(failure) });
  } finally {
    $("problem-save").disabled = false;
  }
}

// --- the end -----------------------------------------------------------------------------------

async function end() {
  if (!window.confirm(T.confirm_end)) {
    return;
  }
  const now = Date.now();
  stopWatching();
  clearInterval(state.ticker);
  if (state.wakeLock) {
    state.wakeLock.release().catch(() => {});
    state.wakeLock = null;
  }
  const ended = await state.store.update("patrols", state.patrol.client_id, (row) => {
    for (const pause of row.pauses) {
      pause[1] = pause[1] || now;
    }
    row.ended_at = now;
    row.state = "ended";
    row.summary = track.summary(state.points, row.started_at, now, row.pauses);
  });
  state.patrol = null;
  await showSummary(ended);
  await refreshSync();
  state.sync.now();
}

async function showSummary(patrol) {
  state.shownSummary = patrol.client_id;
  const s = patrol.summary;
  $("summary-reach").textContent = patrol.reach_name;
  $("sum-time").textContent = track.formatDuration(s.duration_s);
  $("sum-distance").textContent = track.formatDistance(s.distance_m);
  $("sum-points").textContent = String(s.points);
  $("sum-records").textContent = fill(T.recorded, {
    r: patrol.records.length,
    p: patrol.problems.length,
  });
  show("summary");
  await renderSummarySync(patrol.client_id);
}

async function renderSummarySync(clientId) {
  const patrol = await state.store.get("patrols", clientId);
  const out = $("sum-sync");
  if (!patrol) {
    return;
  }
  out.dataset.state = patrol.state;
  out.textContent = describe(patrol);
  const synced = patrol.state === "synced";
  $("sum-link-row").classList.toggle("d-none", !synced);
  if (synced) {
    $("sum-link").href = detailUrl(patrol);
  }
}

function describe(patrol) {
  return lists.describe(patrol, T);
}

// --- what this phone holds ---------------------------------------------------------------------

async function renderHistory() {
  const patrols = (await state.store.patrolsOf(config.user))
    .filter((p) => p.state !== "recording" && p.state !== "paused")
    .sort((a, b) => b.started_at - a.started_at);
  lists.history($("history"), patrols, T, detailUrl, (patrol) => state.sync.retry(patrol.client_id));
}

function detailUrl(patrol) {
  return config.urls.detail.replace("/0/", `/${patrol.result.id}/`);
}

// --- service worker ----------------------------------------------------------------------------

function registerWorker() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(config.urls.worker, { scope: config.urls.scope })
      .catch(() => {}); // plain http off localhost: the app still works while online
  }
}

// --- wiring ------------------------------------------------------------------------------------

function wire() {
  $("start").addEventListener("click", () => start());
  $("kind-select").addEventListener("change", () => {
    $("behalf-row").classList.toggle("d-none", $("kind-select").value !== "delegated");
  });
  $("pause").addEventListener("click", () => togglePause());
  $("end").addEventListener("click", () => end());
  $("again").addEventListener("click", () => {
    state.shownSummary = null;
    show("choose");
  });
  $("check-save").addEventListener("click", () => saveAbnormal());
  $("problem-save").addEventListener("click", () => saveProblem());
  for (const button of app.querySelectorAll("[data-open]")) {
    button.addEventListener("click", () => {
      closePanels();
      if (button.dataset.open === "panel-check") {
        renderChecklist();
      }
      renderPlace();
      $(button.dataset.open).classList.remove("d-none");
    });
  }
  for (const button of app.querySelectorAll("[data-close]")) {
    button.addEventListener("click", closePanels);
  }
  window.addEventListener("online", refreshSync);
  window.addEventListener("offline", refreshSync);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.patrol) {
      holdScreen();
    }
  });
}

async function main() {
  wire();
  registerWorker();
  state.store = await Store.open();
  state.sync = new Sync({
    store: state.store,
    user: config.user,
    csrf: config.csrf,
    urls: config.urls,
    onChange: () => refreshSync(),
  });
  const mine = await state.store.patrolsOf(config.user);
  const walking = mine.find((p) => p.state === "recording" || p.state === "paused");
  await loadReaches();
  if (walking) {
    await resume(walking, await state.store.points(walking.client_id));
  } else {
    show("choose");
  }
  await refreshSync();
  state.sync.start();
  app.dataset.ready = "1";
}

main();
