/* Inside the widget's frame (portal/widget/*.html): receive the host's token and start the
   form; tell the host page when a request is filed. Messages are accepted only from the
   parent window on one of the organisation's configured origins (data-origins), and sent
   only to those origins, never to "*". */
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.hasAttribute("data-widget-frame")) { return; }
  var origins = (body.dataset.origins || "").split(" ").filter(Boolean);
  var embedded = window.parent !== window;
  var start = document.getElementById("widget-start");
  var status = document.getElementById("widget-status");

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
    // Chromium and WebKit name the parent's origin; elsewhere post to each configured origin,
    // and the browser delivers only to the one the parent really has.
    var ancestors = window.location.ancestorOrigins;
    var parentOrigin = ancestors && ancestors.length ? ancestors[0] : null;
    origins.filter(function (origin) {
      return parentOrigin === null || origin === parentOrigin;
    }).forEach(function (origin) {
      window.parent.postMessage({ type: "pledgedesk:ready" }, origin);
    });
  }

  var ticket = body.dataset.ticket;
  var host = body.dataset.hostOrigin;
  if (ticket && host && embedded) {
    window.parent.postMessage({ type: "pledgedesk:submitted", ticket: Number(ticket) }, host);
  }
})();
