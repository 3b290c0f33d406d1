// The top bar's menu on narrow screens: the "Menu" button shows or hides the navigation.
// A static file, not inline script (the CSP allows only files from here); without it the
// menu simply stays open (the button is shown only when this script marks the page).
(function () {
  "use strict";
  var bar = document.querySelector(".topbar");
  var button = bar && bar.querySelector(".menu-toggle");
  if (!button) { return; }
  bar.classList.add("menu-ready");
  button.addEventListener("click", function () {
    var open = bar.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
