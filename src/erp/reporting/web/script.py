"""The dashboard's script, inlined under the response's CSP nonce.

It signs in at the gateway's token endpoint, keeps the token pair in `sessionStorage` (gone
with the tab), loads the figures with the token as a header, reloads them every minute, and
renews the token before it expires when the gateway offers a refresh endpoint. When the
session ends (expiry, a refused renewal, a 401) the figures are replaced by the sign-in form
with a message: never figures that can no longer be updated without saying so. Handlers are
attached with addEventListener: a nonce CSP runs no inline handler attributes.
"""

from __future__ import annotations

SCRIPT = """
(function(){
  "use strict";
  const KEY = "erp.reporting.token", REFRESH = "erp.reporting.refresh",
        EXPIRES = "erp.reporting.expires";
  const EXPIRED = "Your session has expired. Please sign in again.";
  const app = document.getElementById("app");
  const cfg = app.dataset;
  const store = window.sessionStorage;
  let timers = [];

  function later(fn, ms){ timers.push(setTimeout(fn, Math.max(ms, 0))); }
  function stopTimers(){ timers.forEach(clearTimeout); timers = []; }
  function clock(ms){
    return new Date(ms).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }
  function showError(text){
    const e = document.getElementById("login-error"); if (e) e.textContent = text;
  }
  function notice(text){
    const box = document.getElementById("notice");
    if (box){ box.textContent = text; box.hidden = !text; }
  }
  function keep(pair){
    store.setItem(KEY, pair.access_token);
    if (pair.refresh_token) store.setItem(REFRESH, pair.refresh_token);
    else store.removeItem(REFRESH);
    store.setItem(EXPIRES, String(Date.now() + 1000 * (pair.expires_in || 900)));
  }
  function tokenExpiry(token){  // a token given without `expires_in`: its own `exp` claim
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return 1000 * JSON.parse(atob(part)).exp;
    } catch (e) { return 0; }
  }
  function forget(){ [KEY, REFRESH, EXPIRES].forEach(function(k){ store.removeItem(k); }); }

  function showSignIn(message){
    stopTimers(); forget();
    const form = document.getElementById("sign-in-template");
    app.replaceChildren(form.content.cloneNode(true));
    bindForm(); showError(message || "");
    const user = document.getElementById("username"); if (user) user.focus();
  }

  function schedule(){
    stopTimers();
    const expires = Number(store.getItem(EXPIRES) || tokenExpiry(store.getItem(KEY) || ""));
    const left = expires - Date.now();
    if (left <= 0){ showSignIn(EXPIRED); return; }
    if (cfg.refreshUrl && store.getItem(REFRESH)){
      later(refresh, left - Math.min(60000, left / 2));
    }
    later(function(){ showSignIn(EXPIRED); }, left);
    later(load, 1000 * Number(cfg.reloadSeconds || 60));
    const session = document.getElementById("session");
    if (session) session.textContent = "session until " + clock(expires);
  }

  async function refresh(){
    const token = store.getItem(REFRESH);
    const ends = Number(store.getItem(EXPIRES) || tokenExpiry(store.getItem(KEY) || ""));
    if (!token) return;
    let r;
    try {
      r = await fetch(cfg.refreshUrl,
        {method: "POST", body: new URLSearchParams({refresh_token: token})});
    } catch (e) {
      notice("The session could not be renewed (the sign-in service cannot be reached); "
             + "it ends at " + clock(ends) + ".");
      return;
    }
    if (!r.ok){
      store.removeItem(REFRESH);
      notice("The session could not be renewed; it ends at " + clock(ends) + ".");
      return;
    }
    keep(await r.json());
    await load();
  }

  async function load(){
    const token = store.getItem(KEY);
    if (!token){ showSignIn(""); return; }
    let r;
    try {
      r = await fetch(location.pathname + "?fragment=1",
        {headers: {"Authorization": "Bearer " + token}, cache: "no-store"});
    } catch (e) {
      notice("The figures could not be updated at " + clock(Date.now())
             + ": the dashboard cannot be reached. Trying again.");
      later(load, 15000);
      return;
    }
    if (r.status === 401){ showSignIn(EXPIRED); return; }
    if (r.status === 403){ showSignIn("Your role may not see the dashboard."); return; }
    if (!r.ok){
      notice("The figures could not be updated at " + clock(Date.now())
             + " (error " + r.status + "). Trying again.");
      later(load, 15000);
      return;
    }
    app.innerHTML = await r.text();
    bindSignOut(); schedule();
  }

  function bindForm(){
    const form = document.getElementById("login");
    if (!form) return;
    form.addEventListener("submit", async function(ev){
      ev.preventDefault(); showError("");
      let r;
      try {
        r = await fetch(cfg.loginUrl,
          {method: "POST", body: new URLSearchParams(new FormData(form))});
      } catch (e) { showError("The sign-in service cannot be reached."); return; }
      if (r.status === 429){ showError("Too many attempts. Please wait and try again."); return; }
      if (!r.ok){ showError("Wrong user name or password."); return; }
      keep(await r.json());
      await load();
    });
  }

  function bindSignOut(){
    const b = document.getElementById("sign-out");
    if (!b) return;
    b.addEventListener("click", async function(){
      const token = store.getItem(KEY), refreshToken = store.getItem(REFRESH);
      if (cfg.logoutUrl && token){
        const body = new URLSearchParams(refreshToken ? {refresh_token: refreshToken} : {});
        try {
          await fetch(cfg.logoutUrl,
            {method: "POST", headers: {"Authorization": "Bearer " + token}, body: body});
        } catch (e) { /* signed out here all the same */ }
      }
      showSignIn("You have signed out.");
    });
  }

  if (document.getElementById("login")){
    bindForm();
    if (store.getItem(KEY)) load();
  } else {
    bindSignOut();  // figures for a request that carried its own Authorization header
  }
})();
"""
