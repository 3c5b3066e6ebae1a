/* Sends finished patrols from IndexedDB to the server: photos first, then the patrol that names
 * them. Every upload carries the phone's client id, so a retry after a lost answer is stored once.
 *
 * Runs when the page opens, when the network comes back (the "online" event), when the page is
 * shown again, and on a timer that backs off after each failure (15 s doubling to 5 min). */

const FIRST_WAIT_MS = 15000;
const LONGEST_WAIT_MS = 300000;
const KEEP_SYNCED = 20; // summaries of synced patrols kept on the phone

class Failure extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind; // "network": try again later; "auth": sign in again; "refused": give up
    this.status = status;
  }
}

function csrfToken(fallback) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : fallback;
}

async function send(url, body, csrf) {
  let answer;
  try {
    answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: body instanceof FormData ? { "X-CSRFToken": csrf } : {
        "Content-Type": "application/json",
        "X-CSRFToken": csrf,
      },
      body: body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch (error) {
    throw new Failure("network", String(error));
  }
  let data = null;
  try {
    data = await answer.json();
  } catch (error) {
    data = null;
  }
  if (answer.ok) {
    return data || {};
  }
  const message = (data && data.message) || answer.statusText || String(answer.status);
  const csrfFailed = answer.status === 403 && /csrf/i.test(message);
  if (answer.status === 401 || csrfFailed || answer.redirected) {
    throw new Failure("auth", message, answer.status);
  }
  if (answer.status >= 500 || answer.status === 408 || answer.status === 429) {
    throw new Failure("network", message, answer.status);
  }
  const field = data && data.field ? ` (${data.field})` : "";
  throw new Failure("refused", message + field, answer.status);
}

export class Sync {
  constructor({ store, user, csrf, urls, onChange }) {
    this.store = store;
    this.user = user;
    this.csrf = csrf;
    this.urls = urls;
    this.onChange = onChange || (() => {});
    this.running = null;
    this.timer = null;
    this.authNeeded = false;
    this.lastError = "";
  }

  start() {
    window.addEventListener("online", () => this.now());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        this.now();
      }
    });
    this.now();
  }

  /* Try every pending patrol at once, whatever its back-off says. */
  now() {
    return this.run(true);
  }

  run(force) {
    if (!this.running) {
      this.running = this.runAll(force).finally(() => {
        this.running = null;
        this.plan();
        this.onChange();
      });
    }
    return this.running;
  }

  async pending() {
    const patrols = await this.store.patrolsOf(this.user);
    return patrols.filter((p) => p.state === "ended");
  }

  /* Patrols still on their way: being walked, or ended and not yet sent. */
  async unsent() {
    const patrols = await this.store.patrolsOf(this.user);
    return patrols.filter((p) => ["ended", "recording", "paused"].includes(p.state));
  }

  /* How many things wait to be sent: each finished patrol, and every photo not yet up (those of
   * the patrol being walked too: they go up as soon as there is network). */
  async count() {
    let n = 0;
    for (const patrol of await this.unsent()) {
      n += patrol.state === "ended" ? 1 : 0;
      const photos = await this.store.photosOf(patrol.client_id);
      n += photos.filter((photo) => !photo.uploaded && !photo.refused).length;
    }
    return n;
  }

  async runAll(force) {
    // Photos of a patrol still being walked go up early: the end then has less to send.
    for (const patrol of await this.unsent()) {
      if (patrol.state !== "ended") {
        try {
          await this.sendPhotos(patrol);
        } catch (error) {
          if (!(error instanceof Failure)) {
            throw error;
          }
          this.authNeeded = error.kind === "auth";
          return;
        }
      }
    }
    const patrols = (await this.pending()).sort((a, b) => a.ended_at - b.ended_at);
    for (const patrol of patrols) {
      if (!force && (patrol.next_try || 0) > Date.now()) {
        continue;
      }
      try {
        await this.sendPhotos(patrol);
        await this.sendPatrol(patrol);
        this.authNeeded = false;
        this.lastError = "";
      } catch (error) {
        if (!(error instanceof Failure)) {
          throw error;
        }
        this.lastError = error.message;
        if (error.kind === "auth") {
          this.authNeeded = true;
          return; // every later upload would fail the same way
        }
        await this.failed(patrol, error);
        this.onChange();
      }
    }
    await this.prune();
  }

  async sendPhotos(patrol) {
    for (const photo of await this.store.photosOf(patrol.client_id)) {
      if (photo.uploaded || photo.refused) {
        continue;
      }
      const form = new FormData();
      form.append("client_id", photo.client_id);
      form.append("file", photo.blob, `${photo.client_id}.jpg`);
      try {
        const stored = await send(this.urls.photos, form, csrfToken(this.csrf));
        await this.store.update("photos", photo.client_id, (row) => {
          row.uploaded = true;
          row.server_id = stored.id;
        });
      } catch (error) {
        if (!(error instanceof Failure) || error.kind !== "refused") {
          throw error;
        }
        // A photo the server will never take (not an image, too big) must not hold back the
        // patrol: it is left out, and the reason stays on the phone.
        await this.store.update("photos", photo.client_id, (row) => {
          row.refused = error.message;
        });
      }
      this.onChange();
    }
  }

  async payload(patrol) {
    const refused = new Set(
      (await this.store.photosOf(patrol.client_id))
        .filter((photo) => photo.refused)
        .map((photo) => photo.client_id)
    );
    const keep = (items) =>
      items.map((item) => ({ ...item, photo_ids: item.photo_ids.filter((id) => !refused.has(id)) }));
    const body = {
      client_id: patrol.client_id,
      reach_code: patrol.reach_code,
      kind: patrol.kind,
      started_at: new Date(patrol.started_at).toISOString(),
      ended_at: new Date(patrol.ended_at).toISOString(),
      points: await this.store.points(patrol.client_id),
      pauses: patrol.pauses,
      records: keep(patrol.records),
      problems: keep(patrol.problems),
      note: patrol.note || "",
    };
    if (patrol.kind === "delegated" && patrol.on_behalf_of) {
      body.on_behalf_of = patrol.on_behalf_of;
    }
    return body;
  }

  async sendPatrol(patrol) {
    const stored = await send(this.urls.patrols, await this.payload(patrol), csrfToken(this.csrf));
    await this.store.update("patrols", patrol.client_id, (row) => {
      row.state = "synced";
      row.synced_at = Date.now();
      row.result = {
        id: stored.id,
        verdict: stored.verdict,
        reasons: stored.reasons || [],
        problems: stored.problems || [],
      };
      row.last_error = "";
    });
    await this.store.forgetBulk(patrol.client_id);
  }

  async failed(patrol, error) {
    await this.store.update("patrols", patrol.client_id, (row) => {
      row.tries = (row.tries || 0) + 1;
      row.last_error = error.message;
      if (error.kind === "refused") {
        row.state = "failed"; // kept with its data: the patroller sees why and may retry
      } else {
        const wait = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (row.tries - 1));
        row.next_try = Date.now() + wait * (0.8 + Math.random() * 0.4);
      }
    });
  }

  /* A refused patrol goes back into the queue (after the patroller fixed what they could). */
  async retry(clientId) {
    await this.store.update("patrols", clientId, (row) => {
      row.state = "ended";
      row.next_try = 0;
    });
    return this.now();
  }

  async plan() {
    clearTimeout(this.timer);
    const waiting = await this.pending();
    if (!waiting.length) {
      if (await this.count()) {
        this.timer = setTimeout(() => this.run(false), FIRST_WAIT_MS);
      }
      return;
    }
    const next = Math.min(...waiting.map((p) => p.next_try || 0));
    const wait = Math.max(FIRST_WAIT_MS, next - Date.now());
    this.timer = setTimeout(() => this.run(false), Math.min(wait, LONGEST_WAIT_MS));
  }

  async prune() {
    const synced = (await this.store.patrolsOf(this.user))
      .filter((p) => p.state === "synced")
      .sort((a, b) => b.synced_at - a.synced_at);
    for (const old of synced.slice(KEEP_SYNCED)) {
      await this.store.remove("patrols", old.client_id);
    }
  }
}
