/* The patrol app's service worker (scope {{ scope }}): keeps the app shell and the files it needs
 * on the phone, so the patrol page opens and works without network after one online visit.
 * Version {{ version }}: a change to any file below changes this script, and the phone then
 * fetches the new set and drops the old one. */
"use strict";

const CACHE = "riverchief-patrol-{{ version }}";
const SHELL = {{ shell|safe }};
const FILES = {{ files|safe }};
const NETWORK_WAIT_MS = 5000; // a weak signal: after this, the page from the phone is shown

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(FILES);
      try {
        await keepPage(cache, await fetch(SHELL, { credentials: "same-origin" }));
      } catch (error) {
        // offline or signed out: the page is kept at the next online visit
      }
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("riverchief-patrol-") && name !== CACHE) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })()
  );
});

/* Only a real answer is kept: not a redirect to the sign-in page, not an error. */
async function keepPage(cache, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    await cache.put(SHELL, response.clone());
  }
  return response;
}

function within(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("slow")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

async function page(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => keepPage(cache, response));
  try {
    return await within(network, NETWORK_WAIT_MS);
  } catch (error) {
    const kept = await cache.match(SHELL);
    if (kept) {
      return kept;
    }
    return network; // nothing kept yet: wait for the network after all
  }
}

async function file(request) {
  const kept = await caches.match(request, { ignoreSearch: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(page(request));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(file(request));
  }
});
