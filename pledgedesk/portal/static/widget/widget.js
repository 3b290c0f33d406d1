/* Pledgedesk embeddable widget loader (PR-1). Include it on a page of your product:

   <script src="https://DESK/static/widget/widget.js" data-widget="WIDGET_ID"
           data-token-url="/pledgedesk-token" async></script>

   It opens the support form in an iframe from the desk's origin, where it was loaded from,
   and hands the frame a token your product signs for its signed-in user (docs/widget.md):
   - data-token-url: a URL on your own origin answering {"token": "..."} (fetched with your
     page's cookies), or
   - data-token-function: the name of a global function returning the token or a promise.
   Optional: data-target (a CSS selector to put the frame in; default: after this script),
   data-height (pixels before the frame says how tall it is, default 640), data-max-height
   (pixels, default 4000: a taller form scrolls inside the frame), data-title.
   The frame sizes itself: it posts its content's height, and this script sets the iframe's
   height to it (only from the desk's origin and the frame's own window).
   The token is posted to the frame only, with the desk's origin as the target, and only
   after the frame (checked by event.origin and event.source) says it is ready. When a
   request is filed this script fires a "pledgedesk:submitted" event (detail.ticket). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var data = script.dataset;
  var deskOrigin = new URL(script.src, document.baseURI).origin;
  var widgetId = data.widget || "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(widgetId)) {
    console.error("Pledgedesk widget: data-widget is missing or malformed");
    return;
  }

  function supplyToken() {
    if (data.tokenFunction) {
      var supplier = window[data.tokenFunction];
      if (typeof supplier !== "function") {
        return Promise.reject(new Error("data-token-function names no function"));
      }
      return Promise.resolve(supplier());
    }
    if (data.tokenUrl) {
      return fetch(data.tokenUrl, { credentials: "same-origin",
                                    headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("token URL answered " + response.status); }
          return response.json();
        })
        .then(function (body) { return body.token; });
    }
    return Promise.reject(new Error("set data-token-url or data-token-function"));
  }

  var frame = document.createElement("iframe");
  frame.src = deskOrigin + "/portal/widget/" + encodeURIComponent(widgetId) + "/";
  frame.title = data.title || "Support request";
  frame.className = "pledgedesk-widget";
  frame.width = "100%";
  frame.height = data.height || "640";
  frame.setAttribute("loading", "eager");

  var MIN_HEIGHT = 120;
  var maxHeight = Number(data.maxHeight) > MIN_HEIGHT ? Number(data.maxHeight) : 4000;

  function resize(height) {
    height = Number(height);
    if (!isFinite(height) || height <= 0) { return; }
    frame.style.height = Math.min(Math.max(Math.ceil(height), MIN_HEIGHT), maxHeight) + "px";
  }

  function toFrame(message) {
    frame.contentWindow.postMessage(message, deskOrigin);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== deskOrigin || event.source !== frame.contentWindow) { return; }
    var message = event.data || {};
    if (message.type === "pledgedesk:ready") {
      supplyToken().then(function (token) {
        if (typeof token !== "string" || !token) { throw new Error("the supplier gave no token"); }
        toFrame({ type: "pledgedesk:token", token: token });
      }).catch(function (error) {
        console.error("Pledgedesk widget: no token: " + error.message);
        toFrame({ type: "pledgedesk:no-token" });
      });
    } else if (message.type === "pledgedesk:height") {
      resize(message.height);
    } else if (message.type === "pledgedesk:submitted") {
      script.dispatchEvent(new CustomEvent("pledgedesk:submitted",
                                           { bubbles: true, detail: { ticket: message.ticket } }));
    }
  });

  var target = data.target ? document.querySelector(data.target) : null;
  if (target) {
    target.appendChild(frame);
  } else {
    script.parentNode.insertBefore(frame, script.nextSibling);
  }
})();
