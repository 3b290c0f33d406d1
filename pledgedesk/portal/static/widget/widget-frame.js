/* Inside the widget's frame (portal/widget/*.html): receive the host's token and start the
   form; tell the host page when a request is filed, and how tall the frame's content is so
   the host script can size the iframe to it (no inner scroll bar). Messages are accepted
   only from the parent window on one of the organisation's configured origins
   (data-origins), and sent only to those origins, never to "*". */
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.hasAttribute("data-widget-frame")) { return; }
  var origins = (body.dataset.origins || "").split(" ").filter(Boolean);
  var embedded = window.parent !== window;
  var start = document.getElementById("widget-start");
  var status = document.getElementById("widget-status");

  // Where the host page is: the origin the start page saw it on (checked by the desk against
  // the configured ones), else the configured origin Chromium and WebKit name as the
  // parent's; elsewhere every configured origin, and the browser delivers only to the one
  // the parent really has.
  function hostOrigins() {
    var host = body.dataset.hostOrigin;
    if (host) { return origins.indexOf(host) >= 0 ? [host] : []; }
    var ancestors = window.location.ancestorOrigins;
    var parentOrigin = ancestors && ancestors.length ? ancestors[0] : null;
    return origins.filter(function (origin) {
      return parentOrigin === null || origin === parentOrigin;
    });
  }

  function toHost(message) {
    if (!embedded) { return; }
    hostOrigins().forEach(function (origin) { window.parent.postMessage(message, origin); });
  }

  // Resizing: the content's height (main's bottom edge; the body is at least the frame's
  // own height, so it cannot shrink), posted whenever it changes: a new page, an error
  // message, suggestions appearing, a textarea dragged taller.
  var main = document.getElementById("main");
  var lastHeight = 0;
  var scheduled = false;
  function postHeight() {
    scheduled = false;
    var height = Math.ceil(main.getBoundingClientRect().bottom + window.scrollY);
    if (height <= 0 || height === lastHeight) { return; }
    lastHeight = height;
    toHost({ type: "pledgedesk:height", height: height });
  }
  function scheduleHeight() {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(postHeight);
  }
  if (embedded && main && origins.length) {
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(scheduleHeight).observe(main);
    }
    window.addEventListener("load", scheduleHeight);
    scheduleHeight();
  }

  if (start) {
    if (!embedded || origins.length === 0) {
      status.textContent = status.dataset.outside;
      return;
    }
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || origins.indexOf(event.origin) < 0) { return; }
      var message = event.data || {};
      if (message.type === "pledgedesk:token" && typeof message.token === "string") {
        start.elements.host_token.value = message.token;
        start.elements.host_origin.value = event.origin;
        start.submit();
      } else if (message.type === "pledgedesk:no-token") {
        status.textContent = status.dataset.noToken;
      }
    });
    toHost({ type: "pledgedesk:ready" });
  }

  // Issue 18 deflection: while the subject is typed, the articles that may answer it; one
  // opens here, beside the request being written (the desk counts the visit).
  var box = document.getElementById("kb-suggestions");
  var panel = document.getElementById("kb-article");
  var subject = box ? document.getElementById(box.dataset.subject) : null;
  var form = box ? box.closest("form") : null;
  if (box && panel && subject && form) {
    var asked = "";
    var latest = 0;
    var timer = null;
    var fragment = function (url, fields) {
      var data = new FormData();
      data.append("session", form.elements.session.value);
      Object.keys(fields).forEach(function (name) { data.append(name, fields[name]); });
      return fetch(url, { method: "POST", body: data, credentials: "omit" })
        .then(function (response) { return response.ok ? response.text() : null; });
    };
    var suggest = function () {
      var text = subject.value.replace(/\s+/g, " ").trim();
      if (text === asked) { return; }
      asked = text;
      var mine = ++latest;
      if (text.length < 3) { box.textContent = ""; return; }
      fragment(box.dataset.suggestUrl, { subject: text }).then(function (html) {
        if (mine === latest && html !== null) { box.innerHTML = html; }
      }).catch(function () { /* no suggestions: the form works without them */ });
    };
    subject.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 300);
    });
    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-article]");
      if (!button) { return; }
      fragment(box.dataset.articleUrl, { slug: button.dataset.article }).then(function (html) {
        if (html === null) { return; }
        panel.innerHTML = html;
        panel.hidden = false;
        var heading = panel.querySelector("h2");
        if (heading) { heading.focus(); }
      }).catch(function () { /* the article could not be fetched: nothing shown */ });
    });
    panel.addEventListener("click", function (event) {
      if (!event.target.closest("[data-close-article]")) { return; }
      panel.hidden = true;
      panel.textContent = "";
      subject.focus();
    });
  }

  var ticket = body.dataset.ticket;
  if (ticket && body.dataset.hostOrigin) {
    toHost({ type: "pledgedesk:submitted", ticket: Number(ticket) });
  }
})();
