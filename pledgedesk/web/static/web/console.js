// Console keyboard shortcuts (no inline script anywhere: the CSP allows only files from here).
// j/k move through the queue, o or Enter opens, n next ticket, r reply, a assign to me,
// q queue, / go to a ticket number, ? this list.
(function () {
  "use strict";
  var selected = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr[data-href]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
    var row = all[index];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selected = row.getAttribute("data-number");
    var link = row.querySelector("a");
    if (link) { link.focus({ preventScroll: false }); }
  }

  function currentIndex() {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-number") === selected) { return i; }
    }
    return -1;
  }

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function click(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    var dialog = document.getElementById("shortcuts");
    if (key === "?") {
      if (dialog && !dialog.open) { dialog.showModal(); }
    } else if (key === "j") {
      select(currentIndex() + 1);
    } else if (key === "k") {
      select(currentIndex() - 1);
    } else if (key === "o" && selected && document.getElementById("queue")) {
      var row = rows()[currentIndex()];
      if (row) { window.location.href = row.getAttribute("data-href"); }
    } else if (key === "n") {
      click("#next-ticket");
    } else if (key === "r") {
      var reply = document.querySelector("#compose textarea");
      if (reply) { reply.focus(); }
    } else if (key === "a") {
      var button = document.querySelector("#assign-me button:not([disabled])");
      if (button) { button.click(); }
    } else if (key === "q") {
      var home = document.querySelector(".topbar .brand");
      if (home) { window.location.href = home.getAttribute("href"); }
    } else if (key === "/") {
      var go = document.getElementById("go-number");
      if (go) { go.focus(); }
    } else {
      return;
    }
    event.preventDefault();
  });

  // Keep the selected row selected when htmx refreshes the queue.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "queue-rows" && selected) {
      var index = currentIndex();
      if (index >= 0) {
        rows()[index].classList.add("selected");
      }
    }
  });
})();
