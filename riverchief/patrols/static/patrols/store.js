/* The phone's patrol store in IndexedDB, through a small promise wrapper of our own.
 *
 * Everything a patrol produces is written here the moment it happens (each GPS point, each record,
 * each photo, the finished patrol), so a reload, a crash or the phone going to sleep loses nothing;
 * sync.js later sends what is still pending.
 *
 *   patrols  client_id → {user, reach_code, state: recording|paused|ended|synced|failed, …}
 *   points   auto id    → {patrol, p: [lon, lat, t_ms, accuracy_m]}      (index "patrol")
 *   photos   client_id  → {patrol, blob, uploaded, server_id}            (index "patrol")
 *   cache    key        → {value, at}  (my reaches, for a start without network)
 */

const NAME = "riverchief-patrols";
const VERSION = 1;

export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function upgrade(db) {
  const patrols = db.createObjectStore("patrols", { keyPath: "client_id" });
  patrols.createIndex("user", "user");
  const points = db.createObjectStore("points", { autoIncrement: true });
  points.createIndex("patrol", "patrol");
  const photos = db.createObjectStore("photos", { keyPath: "client_id" });
  photos.createIndex("patrol", "patrol");
  db.createObjectStore("cache", { keyPath: "key" });
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static open() {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => upgrade(req.result);
    return request(req).then((db) => new Store(db));
  }

  /* Runs `work(stores)` in one transaction; resolves with its result once the data is on disk. */
  run(names, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(names, mode, { durability: "strict" });
      const stores = {};
      for (const name of [].concat(names)) {
        stores[name] = tx.objectStore(name);
      }
      let result;
      Promise.resolve(work(stores)).then(
        (value) => {
          result = value;
        },
        (error) => {
          tx.abort();
          reject(error);
        }
      );
      tx.oncomplete = () => resolve(result);
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
  }

  get(name, key) {
    return this.run(name, "readonly", (s) => request(s[name].get(key)));
  }

  put(name, value) {
    return this.run(name, "readwrite", (s) => request(s[name].put(value)));
  }

  /* Read-modify-write of one row in one transaction (no update is lost to a second tab). */
  update(name, key, change) {
    return this.run(name, "readwrite", async (s) => {
      const row = await request(s[name].get(key));
      if (!row) {
        return null;
      }
      const changed = change(row) || row;
      await request(s[name].put(changed));
      return changed;
    });
  }

  patrolsOf(user) {
    return this.run("patrols", "readonly", (s) =>
      request(s.patrols.index("user").getAll(IDBKeyRange.only(user)))
    );
  }

  addPoint(patrol, point) {
    return this.run("points", "readwrite", (s) => request(s.points.add({ patrol, p: point })));
  }

  points(patrol) {
    return this.run("points", "readonly", async (s) => {
      const rows = await request(s.points.index("patrol").getAll(IDBKeyRange.only(patrol)));
      return rows.map((row) => row.p);
    });
  }

  photosOf(patrol) {
    return this.run("photos", "readonly", (s) =>
      request(s.photos.index("patrol").getAll(IDBKeyRange.only(patrol)))
    );
  }

  /* A synced patrol keeps its summary; its points and photo bytes are no longer needed here. */
  forgetBulk(patrol) {
    return this.run(["points", "photos"], "readwrite", async (s) => {
      const keys = await request(s.points.index("patrol").getAllKeys(IDBKeyRange.only(patrol)));
      for (const key of keys) {
        s.points.delete(key);
      }
      const photoKeys = await request(
        s.photos.index("patrol").getAllKeys(IDBKeyRange.only(patrol))
      );
      for (const key of photoKeys) {
        s.photos.delete(key);
      }
    });
  }

  remove(name, key) {
    return this.run(name, "readwrite", (s) => request(s[name].delete(key)));
  }

  async cached(key) {
    const row = await this.get("cache", key);
    return row ? row.value : null;
  }

  keep(key, value) {
    return this.put("cache", { key, value, at: Date.now() });
  }
}
