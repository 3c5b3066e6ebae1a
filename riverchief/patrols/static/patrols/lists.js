/* The patrol page's lists, built as DOM (never HTML strings: names come from the server and the
 * patroller): the checklist with its normal/abnormal buttons, and the patrols this phone holds. */

export function fill(template, values) {
  return String(template || "").replace(/%\((\w+)\)s/g, (_m, key) =>
    values[key] === undefined ? "" : values[key]
  );
}

/* A patrol's sync state in words: uploaded with its verdict, refused with the reason, waiting. */
export function describe(patrol, T) {
  if (patrol.state === "synced") {
    const verdict = T.verdicts[patrol.result.verdict] || patrol.result.verdict || "";
    return fill(T.uploaded, { verdict });
  }
  if (patrol.state === "failed") {
    return fill(T.refused, { reason: patrol.last_error });
  }
  return T.waiting;
}

/* items: [[code, label, hint]]; records: those of the patrol; choose(code, status). */
export function checklist(list, items, records, T, choose) {
  list.replaceChildren();
  const last = {};
  for (const record of records) {
    last[record.item] = record.status;
  }
  for (const [code, label, hint] of items) {
    const row = document.createElement("li");
    row.className = "check-item";
    row.dataset.item = code;
    row.setAttribute("data-testid", `check-${code}`);
    const name = document.createElement("div");
    const strong = document.createElement("strong");
    strong.textContent = label;
    const small = document.createElement("div");
    small.className = "small text-muted";
    small.textContent = hint;
    name.append(strong, small);
    const buttons = document.createElement("div");
    buttons.className = "btn-group btn-group-sm";
    for (const [status, text, css] of [
      ["normal", T.normal, "success"],
      ["abnormal", T.abnormal, "danger"],
    ]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `btn btn${last[code] === status ? "" : "-outline"}-${css}`;
      button.textContent = text;
      button.dataset.status = status;
      button.addEventListener("click", () => choose(code, status));
      buttons.append(button);
    }
    row.append(name, buttons);
    list.append(row);
  }
}

/* patrols: those of this user not being walked; link(patrol) → its page; retry(patrol). */
export function history(list, patrols, T, link, retry) {
  list.replaceChildren();
  for (const patrol of patrols) {
    const item = document.createElement("li");
    item.className = "list-group-item d-flex flex-wrap gap-2 align-items-center";
    item.setAttribute("data-testid", "history-item");
    item.dataset.state = patrol.state;
    const when = new Date(patrol.started_at);
    const title = document.createElement(patrol.state === "synced" ? "a" : "span");
    if (patrol.state === "synced") {
      title.href = link(patrol);
    }
    title.textContent = `${when.toLocaleString()} · ${patrol.reach_name}`;
    const status = document.createElement("span");
    status.className = "small text-muted";
    status.textContent = describe(patrol, T);
    item.append(title, status);
    if (patrol.state === "failed") {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "btn btn-sm btn-outline-primary";
      again.textContent = T.retry;
      again.addEventListener("click", () => retry(patrol));
      item.append(again);
    }
    list.append(item);
  }
  if (!patrols.length) {
    const empty = document.createElement("li");
    empty.className = "list-group-item text-muted";
    empty.textContent = T.nothing_here;
    list.append(empty);
  }
}
