// The token countdown runs here, on the browser's clock, so it keeps moving while the
// kernel is busy with a cell. The kernel only sends a new expiry when it logs in again.
function mmss(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(whole / 60))}:${pad(whole % 60)}`;
}

function stateOf(left, warn, expiresAt) {
  if (!expiresAt) return "none";
  if (left <= 0) return "expired";
  return left <= warn ? "warning" : "ok";
}

function render({ model, el }) {
  el.classList.add("cx-countdown");
  const label = document.createElement("span");
  label.className = "cx-time-left";
  const bar = document.createElement("div");
  bar.className = "cx-bar";
  const fill = document.createElement("div");
  fill.className = "cx-bar-fill";
  bar.appendChild(fill);
  el.append(bar, label);

  function tick() {
    const expiresAt = model.get("expires_at");
    const lifetime = Math.max(1, model.get("lifetime"));
    const left = expiresAt ? Math.max(0, (expiresAt - Date.now()) / 1000) : 0;
    const state = stateOf(left, model.get("warn_seconds"), expiresAt);
    el.dataset.state = state;
    el.dataset.secondsLeft = String(Math.floor(left));
    for (const name of ["ok", "warning", "expired", "none"]) {
      el.classList.toggle(`cx-${name}`, name === state);
    }
    fill.style.width = `${Math.min(100, (100 * left) / lifetime)}%`;
    label.textContent = state === "none" ? "no token yet"
      : state === "expired" ? "expired" : `${mmss(left)} left`;
  }

  tick();
  const timer = setInterval(tick, 250);
  model.on("change:expires_at", tick);
  model.on("change:lifetime", tick);
  return () => clearInterval(timer);
}

export default { render };
